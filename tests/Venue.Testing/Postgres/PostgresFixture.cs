using System.Collections.Concurrent;
using Xunit;
using Xunit.Abstractions;

namespace Venue.Testing.Postgres;

/// <summary>
/// One PostgreSQL server for a whole test collection (use it as an xunit collection fixture; the
/// collection definition must live in the test assembly), or for one class (a class fixture, when
/// its collection is about something else). Each test class takes a database of its own. When no
/// server can start here, <see cref="Unavailable"/> says why, and <see cref="Met"/> skips the
/// test, or fails it when <c>CI=true</c>.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _databases = new(StringComparer.Ordinal);

    /// <summary>The running server, or null when none could start.</summary>
    public PostgresServer? Server { get; private set; }

    /// <summary>Why there is no server, or null when there is one.</summary>
    public string? Unavailable { get; private set; }

    public async Task InitializeAsync()
    {
        var server = PostgresServer.TryCreate(out var unavailable);
        if (server is null)
        {
            Unavailable = unavailable;
            return;
        }

        try
        {
            await server.StartAsync();
            Server = server;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            Unavailable = $"a PostgreSQL server that starts ({e.Message})";
            await server.DisposeAsync();
        }
    }

    /// <summary>True when the server runs; otherwise skips (or, under CI, fails) the calling test.</summary>
    public bool Met(ITestOutputHelper output) =>
        Requirement.Met(Server is not null, Unavailable ?? "a PostgreSQL server", output);

    /// <summary>The connection string of the database named <paramref name="name"/>, created on first ask.</summary>
    public Task<string> DatabaseAsync(string name)
    {
        var server = Server ?? throw new InvalidOperationException($"No PostgreSQL server: {Unavailable}");
        return _databases.GetOrAdd(name, n => new Lazy<Task<string>>(() => server.CreateDatabaseAsync(n))).Value;
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
