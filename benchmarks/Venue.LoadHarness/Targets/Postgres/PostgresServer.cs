using System.Diagnostics;
using System.Globalization;
using Venue.LoadHarness.Hosting;

namespace Venue.LoadHarness.Targets.Postgres;

/// <summary>
/// A throwaway PostgreSQL cluster: initdb into a temporary directory, pg_ctl start on a free
/// loopback port with the durable defaults (fsync on, synchronous_commit on), pg_ctl stop at the
/// end. PostgreSQL refuses to run as root; then both run as the postgres account (see
/// <see cref="ServiceAccount"/>).
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    public const string Superuser = "venue";

    private readonly string _binaries;
    private readonly string _data;
    private readonly ServiceAccount _account;
    private readonly IDisposable _exitCleanup;

    private PostgresServer(string binaries, string data, ServiceAccount account, int port)
    {
        _binaries = binaries;
        _data = data;
        _account = account;
        Port = port;
        _exitCleanup = ExitCleanup.Register(StopAtExit);
    }

    public int Port { get; }

    public string ConnectionString(string database, int maxPoolSize) =>
        $"Host=127.0.0.1;Port={Port};Username={Superuser};Database={database};Maximum Pool Size={maxPoolSize};Timeout=15;Command Timeout=60";

    public static async Task<PostgresServer> StartAsync(string directory, int maxConnections, CancellationToken cancellationToken)
    {
        var binaries = FindBinaries() ?? throw new TargetUnavailableException(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in /usr/lib/postgresql/*/bin, PG_BIN or PATH");
        ServiceAccount account;
        try
        {
            account = ServiceAccount.ForNonRootServer();
        }
        catch (InvalidOperationException e)
        {
            throw new TargetUnavailableException(e.Message);
        }

        var data = Path.Combine(directory, "data");
        var sockets = Path.Combine(directory, "sockets");
        Directory.CreateDirectory(sockets);
        await account.GrantAsync(directory, cancellationToken);

        // --no-sync only skips the fsync of initdb's own files; the server below runs with fsync on.
        await RunAsync(account, Path.Combine(binaries, "initdb"),
            ["-D", data, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
            TimeSpan.FromSeconds(120), cancellationToken);

        var port = FreePort.Next();
        var server = new PostgresServer(binaries, data, account, port);
        try
        {
            var settings = string.Join(' ',
                "-c listen_addresses=127.0.0.1",
                $"-p {port.ToString(CultureInfo.InvariantCulture)}",
                $"-c unix_socket_directories={sockets}",
                $"-c max_connections={maxConnections.ToString(CultureInfo.InvariantCulture)}",
                "-c fsync=on",
                "-c synchronous_commit=on",
                "-c full_page_writes=on");
            await RunAsync(account, Path.Combine(binaries, "pg_ctl"),
                ["start", "-D", data, "-w", "-t", "60", "-l", Path.Combine(directory, "postgres.log"), "-o", settings],
                TimeSpan.FromSeconds(90), cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static string? FindBinaries()
    {
        static bool Complete(string directory) =>
            new[] { "initdb", "pg_ctl", "postgres" }.All(b => File.Exists(Path.Combine(directory, b)));

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

    private static async Task RunAsync(ServiceAccount account, string binary, IEnumerable<string> arguments, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var (fileName, commandArguments) = account.Command(binary, arguments);
        var result = await ProcessRunner.RunAsync(fileName, commandArguments, timeout, cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{Path.GetFileName(binary)} failed ({result.ExitCode}): {result.Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(_account, Path.Combine(_binaries, "pg_ctl"), ["stop", "-D", _data, "-m", "fast", "-w", "-t", "60"],
                TimeSpan.FromSeconds(90), CancellationToken.None);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"pg_ctl stop failed: {e.Message}");
        }
        finally
        {
            _exitCleanup.Dispose();
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
}
