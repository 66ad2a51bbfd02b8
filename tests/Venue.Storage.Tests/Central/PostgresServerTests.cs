using Npgsql;
using Venue.Storage.Postgres;
using Venue.Testing.Postgres;
using Xunit.Abstractions;

namespace Venue.Storage.Tests.Central;

/// <summary>The throwaway server other suites crash on purpose: a kill loses nothing committed, and it comes back on its port.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresServerTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task A_killed_server_restarts_with_every_committed_row_and_none_of_an_open_transaction()
    {
        if (!postgres.Met(output)) return;
        var server = postgres.Server!;
        var connectionString = Unpooled(await postgres.DatabaseAsync("server_tests"));
        await ExecuteAsync(connectionString, "DROP TABLE IF EXISTS crash; CREATE TABLE crash(id int PRIMARY KEY); INSERT INTO crash SELECT generate_series(1, 100)");

        await using (var open = new NpgsqlConnection(connectionString))
        {
            await open.OpenAsync();
            await using var transaction = await open.BeginTransactionAsync();
            await using (var insert = new NpgsqlCommand("INSERT INTO crash SELECT generate_series(101, 200)", open))
            {
                await insert.ExecuteNonQueryAsync();
            }

            await server.KillAsync().WithTimeout("the PostgreSQL processes to die");
            await Assert.ThrowsAnyAsync<Exception>(() => ExecuteAsync(connectionString, "SELECT 1"));
        }

        await server.StartAsync().WithTimeout("PostgreSQL to recover and start");

        Assert.Equal(100L, await ScalarAsync(connectionString, "SELECT count(*) FROM crash"));
    }

    [Fact]
    public async Task A_restarted_server_serves_the_same_connection_string_and_a_store_over_it_carries_on_after_one_transient_failure()
    {
        if (!postgres.Met(output)) return;
        var connectionString = await PostgresSchemas.CreateAsync(await postgres.DatabaseAsync("server_tests"));
        await using var store = PostgresCentralStore.Create(connectionString, TimeProvider.System);
        await store.MigrateAsync();
        await store.EnsureEventAsync("expo", "Expo", DateTimeOffset.UnixEpoch);

        await postgres.Server!.RestartAsync().WithTimeout("PostgreSQL to restart");

        // Npgsql finds a pooled connection broken only by using it: that first command fails as
        // transient (and the pool is cleared); callers retry, as edges retry uploads.
        try
        {
            await store.EnsureEventAsync("expo", "Expo again", DateTimeOffset.UnixEpoch);
        }
        catch (NpgsqlException e) when (e.IsTransient)
        {
            output.WriteLine($"First command after the restart: {e.Message}");
            await store.EnsureEventAsync("expo", "Expo again", DateTimeOffset.UnixEpoch);
        }

        Assert.Equal("Expo again", await ScalarAsync(Unpooled(connectionString), "SELECT name FROM events"));
    }

    private static string Unpooled(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString();

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
