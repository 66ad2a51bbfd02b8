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

    [Fact]
    public async Task A_central_whose_claim_another_took_stores_no_check_in_and_no_conflict_from_then_on()
    {
        if (!Ready) return;
        await using var second = await OpenSecondStoreAsync();
        await using var claim = await Store.ClaimAsync();
        Assert.Equal(2, (await Store.IngestAsync("north", [Entry(1), Entry(2)], T0, LateAfter)).HighestContiguous);

        // This central's session ends; the other takes the store before this one's next renewal.
        Assert.Equal(1, await TerminateClaimSessionsAsync());
        await using var other = await second.ClaimAsync();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Store.IngestAsync("north", [Entry(3)], T0, LateAfter));
        Assert.Contains("Another central claimed this store", refused.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.ReplaceConflictsAsync("a1", [Conflict("a1", "south", 10)]));
        Assert.Equal(2, await second.GetContiguousSequenceAsync("north"));
        Assert.Equal(0, await second.CountConflictsAsync());

        // The central that holds the claim stores as before.
        Assert.Equal(3, (await second.IngestAsync("north", [Entry(3)], T0, LateAfter)).HighestContiguous);
        Assert.Single(await second.ReplaceConflictsAsync("a1", [Conflict("a1", "south", 10)]));
    }

    [Fact]
    public async Task A_claim_taken_before_the_schema_exists_is_counted_once_the_store_is_migrated()
    {
        if (!Ready) return;
        // As a central starts on a new database: claim first, then migrate.
        var fresh = await PostgresSchemas.CreateAsync(await postgres.DatabaseAsync("central_conformance"));
        await using var first = PostgresCentralStore.Create(fresh, Time);
        await using var firstClaim = await first.ClaimAsync();
        await first.MigrateAsync();
        await using var second = PostgresCentralStore.Create(fresh, Time);

        Assert.Equal(1, await TerminateClaimSessionsAsync(fresh));
        await using var secondClaim = await second.ClaimAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => first.IngestAsync("north", [Entry(1)], T0, LateAfter));
        Assert.Equal(1, (await second.IngestAsync("north", [Entry(1)], T0, LateAfter)).HighestContiguous);
    }

    [Fact]
    public async Task A_claim_whose_count_failed_lets_the_lock_go_and_a_renewal_takes_it_afresh()
    {
        if (!Ready) return;
        await using var claim = await Store.ClaimAsync();
        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            // The database refuses the next count of a claim (as a standby, or a lock timeout, would).
            await connection.OpenAsync();
            await using var refuse = new NpgsqlCommand("""
                CREATE FUNCTION refuse_claim() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'test: no claim today'; END $$;
                CREATE TRIGGER refuse_claim BEFORE UPDATE ON counters FOR EACH ROW WHEN (OLD.name = 'claim') EXECUTE FUNCTION refuse_claim();
                """, connection);
            await refuse.ExecuteNonQueryAsync();
            Assert.Equal(1, await TerminateClaimSessionsAsync());
            await Assert.ThrowsAsync<PostgresException>(() => claim.RenewAsync());
            await using var allow = new NpgsqlCommand("DROP TRIGGER refuse_claim ON counters", connection);
            await allow.ExecuteNonQueryAsync();
        }

        await using var second = await OpenSecondStoreAsync();
        await using (var meanwhile = await second.ClaimAsync())
        {
            // The failed take held nothing: another central could claim the store meanwhile.
        }

        Assert.True(await claim.RenewAsync());
        Assert.Equal(1, (await Store.IngestAsync("north", [Entry(1)], T0, LateAfter)).HighestContiguous);
    }

    [Fact]
    public async Task A_central_that_takes_its_own_claim_again_after_its_session_ended_stores_on()
    {
        if (!Ready) return;
        await using var claim = await Store.ClaimAsync();

        Assert.Equal(1, await TerminateClaimSessionsAsync());
        Assert.True(await claim.RenewAsync());

        Assert.Equal(1, (await Store.IngestAsync("north", [Entry(1)], T0, LateAfter)).HighestContiguous);
    }

    /// <summary>Ends the sessions holding advisory locks in this database, waiting (up to 10 s) until each has exited and let go.</summary>
    private async Task<int> TerminateClaimSessionsAsync(string? connectionString = null)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString ?? _connectionString) { Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var terminate = new NpgsqlCommand("""
            SELECT count(*) FROM (SELECT pg_terminate_backend(pid, 10000) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND pid <> pg_backend_pid()) ended
            """, connection);
        return (int)(long)(await terminate.ExecuteScalarAsync())!;
    }
}
