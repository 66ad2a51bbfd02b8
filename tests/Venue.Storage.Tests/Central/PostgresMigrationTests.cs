using Npgsql;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Domain.Ledger;
using Venue.Storage.Postgres;
using Venue.Testing.Postgres;
using Xunit.Abstractions;

namespace Venue.Storage.Tests.Central;

/// <summary>
/// Central's schema migrations on a real PostgreSQL, from the databases an event meets: one made by
/// an older build and holding data, one a migration failed on, one made by a newer build.
/// A schema of version 1 is made by migrating and then taking steps 2 and 3 back by hand.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMigrationTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_version_1_database_holding_data_is_migrated_by_two_centrals_at_once_and_keeps_its_data()
    {
        if (!postgres.Met(output)) return;
        var connectionString = await VersionOneWithDataAsync();
        await using var first = PostgresCentralStore.Create(connectionString, TimeProvider.System);
        await using var second = PostgresCentralStore.Create(connectionString, TimeProvider.System);

        var versions = await Task.WhenAll(first.MigrateAsync(), second.MigrateAsync());

        Assert.Equal(versions[0], versions[1]);
        Assert.Equal(versions[0], await ScalarAsync<int>(connectionString, "SELECT version FROM schema_version"));
        Assert.Equal(1, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM pg_indexes WHERE indexname = 'webhook_deliveries_due_by_webhook' AND schemaname = current_schema()"));
        Assert.Equal(0, await ScalarAsync<long>(connectionString, "SELECT value FROM counters WHERE name = 'claim'"));
        Assert.Equal(1, await first.CountAttendeesAsync());
        Assert.Equal(1, await first.GetContiguousSequenceAsync("north"));
        await using var claim = await first.ClaimAsync();
        Assert.True(await claim.RenewAsync());
    }

    [Fact]
    public async Task A_migration_that_fails_partway_leaves_the_old_version_whole_and_the_next_start_completes_it()
    {
        if (!postgres.Met(output)) return;
        var connectionString = await VersionOneWithDataAsync();
        // Something in the way of step 2 (an operator's index of the same name): the step fails after step 1's data is there.
        await ExecuteAsync(connectionString, "CREATE INDEX webhook_deliveries_due_by_webhook ON attendees(name)");
        await using var store = PostgresCentralStore.Create(connectionString, TimeProvider.System);

        var failed = await Assert.ThrowsAsync<PostgresException>(() => store.MigrateAsync());

        output.WriteLine(failed.Message);
        Assert.Equal(1, await ScalarAsync<int>(connectionString, "SELECT version FROM schema_version"));
        Assert.Equal(0, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM counters WHERE name = 'claim'"));
        Assert.Equal(1, await store.CountAttendeesAsync());

        await ExecuteAsync(connectionString, "DROP INDEX webhook_deliveries_due_by_webhook");
        var version = await store.MigrateAsync();

        Assert.Equal(version, await ScalarAsync<int>(connectionString, "SELECT version FROM schema_version"));
        Assert.Equal(1, await store.CountAttendeesAsync());
    }

    [Fact]
    public async Task A_database_from_a_newer_build_is_refused_with_a_message_that_says_so_and_is_left_as_it_was()
    {
        if (!postgres.Met(output)) return;
        var connectionString = await PostgresSchemas.CreateAsync(await postgres.DatabaseAsync("central_migrations"));
        await using var store = PostgresCentralStore.Create(connectionString, TimeProvider.System);
        var current = await store.MigrateAsync();
        await ExecuteAsync(connectionString, $"UPDATE schema_version SET version = {current + 1}; CREATE TABLE from_the_future(id int)");

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => store.MigrateAsync());

        output.WriteLine(refused.Message);
        Assert.Contains($"schema version {current + 1}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("newer", refused.Message, StringComparison.Ordinal);
        Assert.Equal(current + 1, await ScalarAsync<int>(connectionString, "SELECT version FROM schema_version"));
        Assert.Equal(1, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM pg_tables WHERE tablename = 'from_the_future' AND schemaname = current_schema()"));
    }

    /// <summary>A schema as version 1 left it, with an attendee and an uploaded check-in in it.</summary>
    private async Task<string> VersionOneWithDataAsync()
    {
        var connectionString = await PostgresSchemas.CreateAsync(await postgres.DatabaseAsync("central_migrations"));
        await using (var store = PostgresCentralStore.Create(connectionString, TimeProvider.System))
        {
            await store.MigrateAsync();
            await store.UpsertAttendeesAsync(
                [new RegisteredAttendee("a1", "Ada", null, null, "general", null, null, AttendeeStatus.Active, null, "token-a1", 1)], [], T0);
            await store.IngestAsync("north", [new JournalEntry("g1", "a1", ScanDirection.Entry, ScanReason.Admitted, "n1", T0, T0) { Sequence = 1, Hlc = 1 }],
                T0, TimeSpan.FromMinutes(5));
        }

        await ExecuteAsync(connectionString, """
            DROP INDEX webhook_deliveries_due_by_webhook;
            DELETE FROM counters WHERE name = 'claim';
            UPDATE schema_version SET version = 1;
            """);
        return connectionString;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
