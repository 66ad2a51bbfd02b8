using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Venue.Testing.Postgres;

namespace Venue.SyncBench.Hosting;

/// <summary>
/// What the scenarios of one run share: a temporary directory, one PostgreSQL server started on first
/// use (a fresh database for every central), and the logging central and edges get.
/// </summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("venue-syncbench-");
    private readonly SemaphoreSlim _postgresGate = new(1, 1);
    private PostgresServer? _postgres;
    private string? _postgresUnavailable;
    private int _databases;
    private int _directories;

    public BenchEnvironment(SyncBenchOptions options, TextWriter console)
    {
        Options = options;
        Console = console;
        Loggers = options.Verbose
            ? LoggerFactory.Create(logging => Logging(logging))
            : NullLoggerFactory.Instance;
    }

    public SyncBenchOptions Options { get; }

    public TextWriter Console { get; }

    /// <summary>For the in-process edges: warnings and errors on the console with --verbose, nothing otherwise.</summary>
    public ILoggerFactory Loggers { get; }

    /// <summary>The server's version once it has started ("PostgreSQL 15.8 ..."), for the report.</summary>
    public string? PostgresVersion { get; private set; }

    /// <summary>Central's logging: the same rule as <see cref="Loggers"/>.</summary>
    public void Logging(ILoggingBuilder logging)
    {
        if (Options.Verbose)
        {
            logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        }
    }

    /// <summary>A new, empty directory under the run's temporary directory.</summary>
    public string NewDirectory(string name)
    {
        var path = Path.Combine(_root.FullName, $"{name}-{Interlocked.Increment(ref _directories)}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A fresh database on the run's PostgreSQL server (started on first use); its connection string.</summary>
    public async Task<string> NewPostgresDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await _postgresGate.WaitAsync(cancellationToken);
        try
        {
            if (_postgresUnavailable is not null)
            {
                throw new StoreUnavailableException(_postgresUnavailable);
            }

            if (_postgres is null)
            {
                var server = PostgresServer.TryCreate(out var unavailable);
                if (server is null)
                {
                    _postgresUnavailable = $"no PostgreSQL server can run here: {unavailable}";
                    throw new StoreUnavailableException(_postgresUnavailable);
                }

                Console.WriteLine($"starting PostgreSQL on 127.0.0.1:{server.Port} ...");
                await server.StartAsync(cancellationToken);
                _postgres = server;
                await using var connection = new NpgsqlConnection(server.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                await using var version = new NpgsqlCommand("SELECT version()", connection);
                PostgresVersion = ((string?)await version.ExecuteScalarAsync(cancellationToken))?.Split(" on ")[0];
            }

            var database = $"{Sanitize(name)}_{++_databases}";
            return await _postgres.CreateDatabaseAsync(database, cancellationToken);
        }
        finally
        {
            _postgresGate.Release();
        }
    }

    private static string Sanitize(string name) => new([.. name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        Loggers.Dispose();
        _postgresGate.Dispose();
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held for a moment: the temp directory is cleaned eventually.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
