using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Venue.LoadHarness.Hosting;
using Venue.Testing.Processes;

namespace Venue.Testing.RabbitMq;

/// <summary>
/// A real, throwaway RabbitMQ node with its MQTT plugin, run as a process from Debian's
/// rabbitmq-server: its own directory (database, logs, Erlang cookie, config), its own node name
/// and loopback ports that stay the same across restarts, so clients' settings outlive a kill.
/// Durable queues and persistent messages survive <see cref="StopAsync"/>, <see cref="KillAsync"/>
/// and <see cref="RestartAsync"/>. As root, it runs under a non-root account as
/// <see cref="Postgres.PostgresServer"/> does (RabbitMQ would run as root, but a reader-facing broker
/// never should). A user <see cref="User"/> with a random password is created from a definitions file
/// at boot, because <c>guest</c> is refused from anywhere but localhost and MQTT's anonymous login
/// maps to it; anonymous MQTT is switched off, so readers log in as production readers do.
/// </summary>
public sealed class RabbitMqServer : IAsyncDisposable
{
    public const string User = "venue-test";

    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(60);
    private static int _instances;

    private readonly string _scripts;
    private readonly ServiceAccount _account;
    private readonly string _root;
    private readonly SemaphoreSlim _control = new(1, 1);
    private readonly StringBuilder _console = new();
    private Process? _process;
    private IDisposable? _exitCleanup;

    private RabbitMqServer(string scripts, ServiceAccount account)
    {
        _scripts = scripts;
        _account = account;
        var instance = Interlocked.Increment(ref _instances);
        NodeName = $"venue-test-{Environment.ProcessId}-{instance}@localhost";
        _root = Path.Combine(Path.GetTempPath(), "venue-tests", "rabbitmq-" + Guid.NewGuid().ToString("N"));
        Password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        AmqpPort = FreePort.Next();
        MqttPort = FreePort.Next();
        DistPort = FreePort.Next();
    }

    public string NodeName { get; }

    public string Password { get; }

    public int AmqpPort { get; }

    public int MqttPort { get; }

    /// <summary>Erlang distribution, which rabbitmqctl talks to (found through epmd on 4369, shared by every node on the machine).</summary>
    public int DistPort { get; }

    public Uri AmqpUri => new($"amqp://{User}:{Password}@127.0.0.1:{AmqpPort}/");

    /// <summary>The node's own log, for a failing test to show.</summary>
    public string LogPath => Path.Combine(_root, "log", "rabbit.log");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>A connection factory for the test user; automatic recovery off, so a test sees a kill as it happens.</summary>
    public ConnectionFactory ConnectionFactory() => new()
    {
        Uri = AmqpUri,
        AutomaticRecoveryEnabled = false,
        ClientProvidedName = "venue-tests",
    };

    /// <summary>A server ready to start, or null with the reason when this machine cannot run one.</summary>
    public static RabbitMqServer? TryCreate(out string? unavailable)
    {
        unavailable = null;
        if (!OperatingSystem.IsLinux())
        {
            unavailable = "the RabbitMQ test server runs on Linux only";
            return null;
        }

        if (FindScripts() is not { } scripts)
        {
            unavailable = "rabbitmq-server (Debian package rabbitmq-server: /usr/lib/rabbitmq/bin, RABBITMQ_SCRIPTS or PATH)";
            return null;
        }

        try
        {
            return new RabbitMqServer(scripts, ServiceAccount.ForNonRootServer());
        }
        catch (InvalidOperationException e)
        {
            unavailable = e.Message;
            return null;
        }
    }

    /// <summary>
    /// RABBITMQ_SCRIPTS, then Debian's /usr/lib/rabbitmq/bin (the real scripts: /usr/sbin holds wrappers
    /// that switch to the rabbitmq account and its /var/lib/rabbitmq), then PATH.
    /// </summary>
    public static string? FindScripts()
    {
        static bool Complete(string directory) => File.Exists(Path.Combine(directory, "rabbitmq-server")) && File.Exists(Path.Combine(directory, "rabbitmqctl"));

        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("RABBITMQ_SCRIPTS") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }

        candidates.Add("/usr/lib/rabbitmq/bin");
        if (Executables.Find("rabbitmq-server") is { } onPath)
        {
            candidates.Add(Path.GetDirectoryName(onPath)!);
        }

        return candidates.FirstOrDefault(Complete);
    }

    /// <summary>Starts the node (on first start: writes its configuration) and waits until AMQP, MQTT and the test user answer.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _control.WaitAsync(cancellationToken);
        try
        {
            if (IsRunning)
            {
                return;
            }

            if (!Directory.Exists(_root))
            {
                WriteConfiguration();
            }

            // Again on every start: the log and database files the node made belong to the account already, new ones must too.
            await _account.GrantAsync(_root, cancellationToken);
            _exitCleanup ??= ExitCleanup.Register(KillAtExit);
            var (fileName, arguments) = _account.Command("/usr/bin/env", [.. NodeEnvironment(), Path.Combine(_scripts, "rabbitmq-server")]);
            var info = new ProcessStartInfo(fileName)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                // The account may not enter the test's working directory.
                WorkingDirectory = _root,
            };
            arguments.ForEach(info.ArgumentList.Add);
            var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) => Console(e.Data);
            process.ErrorDataReceived += (_, e) => Console(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;
            try
            {
                await WaitUntilReadyAsync(process, cancellationToken);
            }
            catch
            {
                await KillProcessTreeAsync(process);
                throw;
            }
        }
        finally
        {
            _control.Release();
        }
    }

    /// <summary>A clean shutdown (SIGTERM, which the Erlang VM takes as init:stop): queues and messages are flushed and kept.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _control.WaitAsync(cancellationToken);
        try
        {
            if (_process is not { } process || process.HasExited)
            {
                return;
            }

            var beam = BeamPid(process);
            await Signals.TerminateAsync(beam, cancellationToken: cancellationToken);

            await process.WaitForExitAsync(cancellationToken).Within(StopLimit, $"RabbitMQ node {NodeName} to stop after SIGTERM");
            process.Dispose();
            _process = null;
        }
        finally
        {
            _control.Release();
        }
    }

    /// <summary>
    /// A crash: SIGKILL to the Erlang VM and every process it started (its port helpers), as a power
    /// cut would end them. epmd is left alone: it is a machine-wide daemon and forgets the node by itself.
    /// </summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        await _control.WaitAsync(cancellationToken);
        try
        {
            if (_process is { } process)
            {
                await KillProcessTreeAsync(process);
                _process = null;
            }
        }
        finally
        {
            _control.Release();
        }
    }

    /// <summary>The node's HOME, where it keeps its Erlang cookie.</summary>
    public string Home => Path.Combine(_root, "home");

    /// <summary>
    /// For a start script under test (compose's start.sh): writes the node's configuration and, at
    /// <paramref name="path"/>, an executable script that runs the node in the foreground under its
    /// account, as the image's <c>docker-entrypoint.sh rabbitmq-server</c> does. Hand the process that
    /// runs it to <see cref="Adopt"/>, so that <see cref="KillAsync"/> and disposing kill the node with it.
    /// </summary>
    public async Task<string> WriteServerScriptAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(_root))
        {
            WriteConfiguration();
        }

        await _account.GrantAsync(_root, cancellationToken);
        var (fileName, arguments) = _account.Command("/usr/bin/env", [.. NodeEnvironment(), Path.Combine(_scripts, "rabbitmq-server")]);
        WriteExecutable(path, $"cd {Quote(_root)} && exec {Quote(fileName)} {string.Join(' ', arguments.Select(Quote))}");
        return path;
    }

    /// <summary>Takes <paramref name="starter"/>, whose process tree runs this node, as the node's process.</summary>
    public void Adopt(Process starter)
    {
        ArgumentNullException.ThrowIfNull(starter);
        _process = starter;
        _exitCleanup ??= ExitCleanup.Register(KillAtExit);
    }

    /// <summary>Stops cleanly and starts again on the same ports with the same data.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken);
        await StartAsync(cancellationToken);
    }

    /// <summary>
    /// Runs rabbitmqctl against this node: the same HOME (so the same Erlang cookie the node made at its
    /// first boot), account and node name. Throws with the output when it fails.
    /// </summary>
    public async Task<string> CtlAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var (fileName, commandArguments) = _account.Command("/usr/bin/env",
            [.. NodeEnvironment(), Path.Combine(_scripts, "rabbitmqctl"), "-n", NodeName, .. arguments]);
        var result = await ProcessRunner.RunAsync(fileName, commandArguments, TimeSpan.FromSeconds(60), cancellationToken);
        return result.Succeeded
            ? result.Output
            : throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Output}");
    }

    /// <summary>
    /// Writes an executable script at <paramref name="path"/> that runs rabbitmqctl against this node
    /// (as <see cref="CtlAsync"/> does) with whatever arguments it is given: for shell scripts under test.
    /// </summary>
    public string WriteCtlScript(string path)
    {
        var (fileName, arguments) = _account.Command("/usr/bin/env",
            [.. NodeEnvironment(), Path.Combine(_scripts, "rabbitmqctl"), "-n", NodeName]);
        WriteExecutable(path, $"exec {Quote(fileName)} {string.Join(' ', arguments.Select(Quote))} \"$@\"");
        return path;
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void WriteExecutable(string path, string command)
    {
        File.WriteAllText(path, $"#!/bin/sh\n{command}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The last lines the node wrote to its console and log, for a failure message.</summary>
    public string Tail(int lines = 30)
    {
        string console;
        lock (_console)
        {
            console = _console.ToString();
        }

        var log = File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(lines)) : "(no node log)";
        return $"console:\n{string.Join('\n', console.Split('\n').TakeLast(lines))}\nlog:\n{log}";
    }

    /// <summary>Kills the node at once (its data is thrown away anyway) and removes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_process is { } process)
            {
                await KillProcessTreeAsync(process);
                _process = null;
            }
        }
        finally
        {
            _exitCleanup?.Dispose();
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }

            _control.Dispose();
        }
    }

    /// <summary>
    /// What rabbitmq-env would otherwise take from /etc/rabbitmq and /var/lib/rabbitmq: everything points
    /// into this server's directory, so it shares nothing with a system broker or another test node.
    /// </summary>
    private List<string> NodeEnvironment() =>
    [
        $"HOME={Path.Combine(_root, "home")}",
        $"RABBITMQ_CONF_ENV_FILE={Path.Combine(_root, "rabbitmq-env.conf")}",
        $"RABBITMQ_CONFIG_FILE={Path.Combine(_root, "rabbitmq.conf")}",
        $"RABBITMQ_ADVANCED_CONFIG_FILE={Path.Combine(_root, "advanced.config")}",
        $"RABBITMQ_ENABLED_PLUGINS_FILE={Path.Combine(_root, "enabled_plugins")}",
        $"RABBITMQ_MNESIA_BASE={Path.Combine(_root, "mnesia")}",
        $"RABBITMQ_LOG_BASE={Path.Combine(_root, "log")}",
        $"RABBITMQ_LOGS={LogPath}",
        $"RABBITMQ_PID_FILE={PidPath}",
        $"RABBITMQ_NODENAME={NodeName}",
        $"RABBITMQ_DIST_PORT={DistPort.ToString(CultureInfo.InvariantCulture)}",
    ];

    private string PidPath => Path.Combine(_root, "beam.pid");

    private void WriteConfiguration()
    {
        Directory.CreateDirectory(Path.Combine(_root, "home"));
        Directory.CreateDirectory(Path.Combine(_root, "log"));
        File.WriteAllText(Path.Combine(_root, "rabbitmq-env.conf"), "# Empty on purpose: everything comes from the environment.\n");
        File.WriteAllText(Path.Combine(_root, "enabled_plugins"), "[rabbitmq_mqtt].\n");
        var definitions = Path.Combine(_root, "definitions.json");
        File.WriteAllText(Path.Combine(_root, "rabbitmq.conf"), string.Join('\n',
            $"listeners.tcp.1 = 127.0.0.1:{AmqpPort.ToString(CultureInfo.InvariantCulture)}",
            $"mqtt.listeners.tcp.1 = 127.0.0.1:{MqttPort.ToString(CultureInfo.InvariantCulture)}",
            // Readers log in with a real user, as they must in production (anonymous would be guest).
            "mqtt.allow_anonymous = false",
            $"load_definitions = {definitions}",
            ""));
        File.WriteAllText(definitions, Definitions());
    }

    /// <summary>
    /// The test user, imported at every boot: RabbitMQ's definitions format with the password hashed as
    /// rabbit_password_hashing_sha256 does (4 bytes of salt, then SHA-256 over salt and password, base64).
    /// Faster than two rabbitmqctl calls, and there before the listeners open.
    /// </summary>
    private string Definitions()
    {
        var salt = RandomNumberGenerator.GetBytes(4);
        var hash = SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes(Password)]);
        return JsonSerializer.Serialize(new
        {
            users = new[]
            {
                new { name = User, password_hash = Convert.ToBase64String([.. salt, .. hash]), hashing_algorithm = "rabbit_password_hashing_sha256", tags = new[] { "administrator" } },
            },
            vhosts = new[] { new { name = "/" } },
            permissions = new[] { new { user = User, vhost = "/", configure = ".*", write = ".*", read = ".*" } },
        });
    }

    private async Task WaitUntilReadyAsync(Process process, CancellationToken cancellationToken)
    {
        var factory = ConnectionFactory();
        factory.RequestedConnectionTimeout = TimeSpan.FromSeconds(5);
        string last = "nothing tried yet";
        await Processes.Eventually.UntilAsync(async () =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"RabbitMQ node {NodeName} exited ({process.ExitCode}) while starting.\n{Tail()}");
            }

            // The MQTT listener opens last of all, after the plugin's own start-up; AMQP with the user proves the node answers.
            if (!await AcceptsAsync(MqttPort))
            {
                last = $"MQTT port {MqttPort} not accepting";
                return false;
            }

            try
            {
                await using var connection = await factory.CreateConnectionAsync(cancellationToken);
                return true;
            }
            catch (BrokerUnreachableException e)
            {
                last = $"AMQP on {AmqpPort}: {e.InnerException?.Message ?? e.Message}";
                return false;
            }
        }, StartLimit, () => $"RabbitMQ node {NodeName} to accept AMQP and MQTT ({last}).\n{Tail()}", TimeSpan.FromMilliseconds(200));
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The Erlang VM's pid: from the pid file the node writes early in boot, else the started process itself.</summary>
    private int BeamPid(Process process) =>
        File.Exists(PidPath) && int.TryParse(File.ReadAllText(PidPath).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && ProcessTree.IsAlive(pid)
            ? pid
            : process.Id;

    private async Task KillProcessTreeAsync(Process process)
    {
        if (!process.HasExited)
        {
            // The VM and its helpers are read first and then all killed, so none is orphaned mid-way.
            var victims = ProcessTree.WithDescendants(process.Id);
            foreach (var pid in victims)
            {
                try
                {
                    using var victim = Process.GetProcessById(pid);
                    victim.Kill();
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
                catch (InvalidOperationException)
                {
                }
            }

            await process.WaitForExitAsync().Within(StopLimit, $"RabbitMQ node {NodeName} to die after SIGKILL");
            await Processes.Eventually.UntilAsync(() => Task.FromResult(!victims.Any(ProcessTree.IsAlive)), StopLimit,
                () => $"the killed RabbitMQ processes ({string.Join(", ", victims.Where(ProcessTree.IsAlive))}) to end");
        }

        process.Dispose();
    }

    private void KillAtExit()
    {
        if (_process is { HasExited: false } process)
        {
            foreach (var pid in ProcessTree.WithDescendants(process.Id))
            {
                try
                {
                    using var victim = Process.GetProcessById(pid);
                    victim.Kill();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                }
            }
        }
    }

    private void Console(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_console)
        {
            // Bounded: a node that logs to the console for hours must not fill the test's memory.
            if (_console.Length > 64 * 1024)
            {
                _console.Remove(0, _console.Length / 2);
            }

            _console.AppendLine(line);
        }
    }
}
