using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Venue.LoadHarness.Hosting;

namespace Venue.Testing.Postgres;

/// <summary>
/// A real, throwaway PostgreSQL server: initdb into a temporary directory, then pg_ctl on a free
/// loopback port that stays the same across restarts, so connection strings outlive a kill. The
/// server keeps PostgreSQL's durable defaults (fsync and synchronous_commit on), so a
/// <see cref="KillAsync"/> test sees what a crash leaves; only initdb skips its own fsyncs
/// (<c>--no-sync</c>), which a SIGKILL cannot undo. PostgreSQL refuses to run as root; then initdb
/// and pg_ctl run as the postgres account (<see cref="ServiceAccount"/>, shared with the load harness).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string Superuser = "venue";

    private static readonly TimeSpan CommandLimit = TimeSpan.FromSeconds(90);

    private readonly string _binaries;
    private readonly ServiceAccount _account;
    private readonly string _root;
    private readonly string _data;
    private readonly string _sockets;
    private readonly SemaphoreSlim _control = new(1, 1);
    private IDisposable? _exitCleanup;
    private bool _initialized;
    private bool _running;

    private PostgresServer(string binaries, ServiceAccount account)
    {
        _binaries = binaries;
        _account = account;
        _root = Path.Combine(Path.GetTempPath(), "venue-tests", "postgres-" + Guid.NewGuid().ToString("N"));
        _data = Path.Combine(_root, "data");
        _sockets = Path.Combine(_root, "sockets");
        Port = FreePort.Next();
    }

    public int Port { get; }

    /// <summary>The server's log file (pg_ctl -l), for a failing test to show.</summary>
    public string LogPath => Path.Combine(_root, "postgres.log");

    /// <summary>To the <c>postgres</c> database as the superuser.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = Superuser,
        Database = database,
        Timeout = 15,
        CommandTimeout = 60,
    }.ToString();

    /// <summary>A server ready to start, or null with the reason when this machine cannot run one.</summary>
    public static PostgresServer? TryCreate(out string? unavailable)
    {
        unavailable = null;
        if (!OperatingSystem.IsLinux())
        {
            unavailable = "the PostgreSQL test server runs on Linux only";
            return null;
        }

        if (FindBinaries() is not { } binaries)
        {
            unavailable = "PostgreSQL server binaries (initdb, pg_ctl, postgres) in /usr/lib/postgresql/*/bin, PG_BIN or PATH";
            return null;
        }

        try
        {
            return new PostgresServer(binaries, ServiceAccount.ForNonRootServer());
        }
        catch (InvalidOperationException e)
        {
            unavailable = e.Message;
            return null;
        }
    }

    /// <summary>PG_BIN, then /usr/lib/postgresql/*/bin (newest first), then PATH.</summary>
    public static string? FindBinaries()
    {
        static bool Complete(string directory) => new[] { "initdb", "pg_ctl", "postgres" }.All(b => File.Exists(Path.Combine(directory, b)));

        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("PG_BIN") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var major) ? major : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        if (Executables.Find("pg_ctl") is { } onPath)
        {
            candidates.Add(Path.GetDirectoryName(onPath)!);
        }

        return candidates.FirstOrDefault(Complete);
    }

    /// <summary>Creates the cluster on first use, then starts the server and waits until it accepts connections.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _control.WaitAsync(cancellationToken);
        try
        {
            if (!_initialized)
            {
                Directory.CreateDirectory(_sockets);
                await _account.GrantAsync(_root, cancellationToken);
                await RunAsync(Path.Combine(_binaries, "initdb"),
                    ["-D", _data, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"], cancellationToken);
                _initialized = true;
            }

            var settings = string.Join(' ',
                "-c listen_addresses=127.0.0.1",
                $"-p {Port.ToString(CultureInfo.InvariantCulture)}",
                $"-c unix_socket_directories={_sockets}",
                "-c max_connections=200",
                "-c fsync=on",
                "-c synchronous_commit=on");
            _exitCleanup ??= ExitCleanup.Register(StopAtExit);
            await RunAsync(Path.Combine(_binaries, "pg_ctl"),
                ["start", "-D", _data, "-w", "-t", "60", "-l", LogPath, "-o", settings], cancellationToken);
            _running = true;
        }
        finally
        {
            _control.Release();
        }
    }

    /// <summary>A clean, fast shutdown (pg_ctl stop -m fast): sessions are ended, everything committed is kept.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _control.WaitAsync(cancellationToken);
        try
        {
            if (_running)
            {
                await RunAsync(Path.Combine(_binaries, "pg_ctl"), ["stop", "-D", _data, "-m", "fast", "-w", "-t", "60"], cancellationToken);
                _running = false;
            }
        }
        finally
        {
            _control.Release();
        }
    }

    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken);
        await StartAsync(cancellationToken);
    }

    /// <summary>
    /// A crash: SIGKILL to the postmaster and every process it started, as a power cut would end
    /// them. Returns once they are gone; <see cref="StartAsync"/> then runs crash recovery.
    /// </summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        await _control.WaitAsync(cancellationToken);
        try
        {
            if (!_running)
            {
                return;
            }

            var pidFile = Path.Combine(_data, "postmaster.pid");
            var postmaster = int.Parse(File.ReadLines(pidFile).First().Trim(), CultureInfo.InvariantCulture);
            // Children first read, then all killed: the postmaster would otherwise start new ones meanwhile.
            var victims = ChildrenOf(postmaster).Prepend(postmaster).ToList();
            foreach (var pid in victims)
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
                catch (InvalidOperationException)
                {
                }
            }

            // Not our children (runuser's are), so there is nothing to await but their disappearance.
            await Processes.Eventually.UntilAsync(() => Task.FromResult(!victims.Any(IsAlive)), TimeSpan.FromSeconds(30),
                () => $"the killed PostgreSQL processes ({string.Join(", ", victims.Where(IsAlive))}) to end");

            // A killed postmaster that nobody reaps stays a zombie, which a new one would take for a live
            // server; every process of the old one is gone, so its lock files are stale.
            File.Delete(pidFile);
            foreach (var socketLock in Directory.EnumerateFiles(_sockets, ".s.PGSQL.*.lock"))
            {
                File.Delete(socketLock);
            }

            _running = false;
        }
        finally
        {
            _control.Release();
        }
    }

    /// <summary>Creates a database (if it does not exist yet) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        // Unpooled: a pooled connection would outlive a kill or restart of the server and fail its next user.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = name } } };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            var quoted = "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        return ConnectionStringFor(name);
    }

    /// <summary>Stops the server at once (its data is thrown away anyway) and removes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_running)
            {
                await RunAsync(Path.Combine(_binaries, "pg_ctl"), ["stop", "-D", _data, "-m", "immediate", "-w", "-t", "60"], CancellationToken.None);
                _running = false;
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

    private async Task RunAsync(string binary, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var (fileName, commandArguments) = _account.Command(binary, arguments);
        var result = await ProcessRunner.RunAsync(fileName, commandArguments, CommandLimit, cancellationToken);
        if (!result.Succeeded)
        {
            var log = File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(20)) : "(no server log)";
            throw new InvalidOperationException($"{Path.GetFileName(binary)} failed ({result.ExitCode}): {result.Output}\n{log}");
        }
    }

    private void StopAtExit()
    {
        var (fileName, arguments) = _account.Command(Path.Combine(_binaries, "pg_ctl"), ["stop", "-D", _data, "-m", "immediate", "-w"]);
        var info = new ProcessStartInfo(fileName) { UseShellExecute = false };
        arguments.ForEach(info.ArgumentList.Add);
        using var stop = Process.Start(info);
        stop?.WaitForExit(30_000);
    }

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && Stat(pid) is { } stat && stat.Parent == parent)
            {
                yield return pid;
            }
        }
    }

    private static bool IsAlive(int pid) => Stat(pid) is { State: not 'Z' and not 'X' };

    /// <summary>State and parent from /proc/PID/stat, or null when the process is gone.</summary>
    private static (char State, int Parent)? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ppid ...": the command may hold spaces and parentheses, so parse after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
