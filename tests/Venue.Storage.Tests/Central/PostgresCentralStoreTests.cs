using Npgsql;
using Venue.Domain.Central;
using Venue.Storage.Postgres;
using Venue.Testing.Postgres;
using Xunit.Abstractions;

namespace Venue.Storage.Tests.Central;

/// <summary>
/// The conformance suite against a real PostgreSQL server. The class has a database of its own;
/// each test a schema of its own in it (the store creates its tables in the search path's first schema).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCentralStoreTests(PostgresFixture postgres, ITestOutputHelper output) : CentralStoreConformance(output)
{
    private string? _connectionString;

    protected override async Task<ICentralStore?> CreateStoreAsync()
    {
        if (postgres.Server is null)
        {
            return null;
        }

        _connectionString = await PostgresSchemas.CreateAsync(await postgres.DatabaseAsync("central_conformance"));
        var store = PostgresCentralStore.Create(_connectionString, Time);
        await store.MigrateAsync();
        return store;
    }

    protected override bool RequirementMet() => postgres.Met(Output);

    protected override Task<ICentralStore> OpenSecondStoreAsync() =>
        Task.FromResult<ICentralStore>(PostgresCentralStore.Create(_connectionString!, Time));

    [Fact]
    public async Task Migrations_record_their_version_in_the_schema_version_table()
    {
        if (!Ready) return;
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT version FROM schema_version", connection);

        Assert.Equal(await Store.MigrateAsync(), await read.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_registration_racing_the_deletion_of_a_webhook_it_would_notify_still_commits()
    {
        if (!Ready) return;
        var hook = await Store.CreateWebhookAsync("https://crm.example/hooks", ["attendee.registered"], "s", T0);
        await using var deleting = new NpgsqlConnection(_connectionString);
        await deleting.OpenAsync();
        await using var transaction = await deleting.BeginTransactionAsync();
        await using (var delete = new NpgsqlCommand("DELETE FROM webhooks WHERE id = @id", deleting, transaction))
        {
            delete.Parameters.AddWithValue("id", hook.Id);
            await delete.ExecuteNonQueryAsync();
        }

        // The registration's outbox insert finds the webhook row still there and waits on the delete's lock.
        var upsert = Store.UpsertAttendeesAsync([Attendee("a1")], [], T0, _ => [new WebhookEvent("attendee.registered", "{}", T0)]);
        await Venue.Testing.Processes.Eventually.UntilAsync(async () =>
        {
            await using var watch = new NpgsqlConnection(_connectionString);
            await watch.OpenAsync();
            await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()", watch);
            return upsert.IsCompleted || (long)(await waiting.ExecuteScalarAsync())! > 0;
        }, TimeSpan.FromSeconds(10), "the registration to wait on the webhook's deletion");
        await transaction.CommitAsync();

        await upsert.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(await Store.GetAttendeeAsync("a1"));
        Assert.Equal((0L, 0L, 0L), await Store.CountDeliveriesAsync());
    }

    [Fact]
    public async Task An_upload_behind_a_lock_held_elsewhere_fails_with_PostgreSQLs_lock_timeout_and_goes_through_once_it_is_released()
    {
        if (!Ready) return;
        await using var store = PostgresCentralStore.Create(_connectionString!, Time, lockTimeout: TimeSpan.FromMilliseconds(300));
        // A session that took the feed counter's lock and went quiet: a psql left open, a stuck client.
        await using var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ToString());
        await holder.OpenAsync();
        await using (var transaction = await holder.BeginTransactionAsync())
        {
            await using (var hold = new NpgsqlCommand("SELECT value FROM counters WHERE name = 'feed' FOR UPDATE", holder, transaction))
            {
                await hold.ExecuteScalarAsync();
            }

            var refused = await Assert.ThrowsAsync<PostgresException>(() => store.IngestAsync("south", [Entry(1)], T0, TimeSpan.FromMinutes(5)));
            Assert.Equal(PostgresErrorCodes.LockNotAvailable, refused.SqlState);
            Assert.Empty(await store.ReadCheckInsAsync(0, 10, passagesOnly: false));
            await transaction.RollbackAsync();
        }

        Assert.Equal(1, (await store.IngestAsync("south", [Entry(1)], T0, TimeSpan.FromMinutes(5))).HighestContiguous);
        Assert.Single(await store.ReadCheckInsAsync(0, 10, passagesOnly: false));
    }

    [Fact]
    public async Task A_claim_whose_session_ended_is_taken_again_unless_another_central_was_quicker()
    {
        if (!Ready) return;
        await using var second = await OpenSecondStoreAsync();
        await using var claim = await Store.ClaimAsync();

        // The database ends the claim's session (as a restart does): the next renewal takes it again.
        Assert.Equal(1, await TerminateClaimSessionsAsync());
        Assert.True(await claim.RenewAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => second.ClaimAsync());

        // Ended again, and another central claims the store before this one notices: it must stop.
        Assert.Equal(1, await TerminateClaimSessionsAsync());
        await using var other = await second.ClaimAsync();
        Assert.False(await claim.RenewAsync());
        Assert.True(await other.RenewAsync());
    }

    /// <summary>Ends the sessions holding advisory locks in this database, waiting (up to 10 s) until each has exited and let go.</summary>
    private async Task<int> TerminateClaimSessionsAsync()
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var terminate = new NpgsqlCommand("""
            SELECT count(*) FROM (SELECT pg_terminate_backend(pid, 10000) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND pid <> pg_backend_pid()) ended
            """, connection);
        return (int)(long)(await terminate.ExecuteScalarAsync())!;
    }
}
