using Venue.Domain.Central;
using Venue.Storage.Sqlite.Central;
using Xunit.Abstractions;

namespace Venue.Storage.Tests.Central;

/// <summary>The conformance suite against the embedded store, one central.db per test.</summary>
public sealed class SqliteCentralStoreTests(ITestOutputHelper output) : CentralStoreConformance(output)
{
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("central.db");

    protected override async Task<ICentralStore?> CreateStoreAsync() => await SqliteCentralStore.OpenAsync(DatabasePath, Time);

    protected override bool RequirementMet() => true;

    protected override async Task<ICentralStore> OpenSecondStoreAsync() => await SqliteCentralStore.OpenAsync(DatabasePath, Time);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task The_file_runs_in_WAL_mode_and_reopening_it_finds_everything()
    {
        await Store.UpsertAttendeesAsync([Attendee("a1")], [Hash("t1")], T0);
        await Store.IngestAsync("north", [Entry(1), Entry(3)], T0, TimeSpan.FromMinutes(5));
        await Store.DisposeAsync();

        Assert.Equal("wal", Sql.Scalar(DatabasePath, "PRAGMA journal_mode"));
        await using var reopened = await SqliteCentralStore.OpenAsync(DatabasePath, Time);
        Assert.Equal(2, await reopened.GetLedgerVersionAsync());
        Assert.Equal(1, await reopened.GetContiguousSequenceAsync("north"));
        Assert.Equal(2, await reopened.GetLastFeedIdAsync());
        Assert.Equal(3, (await reopened.IngestAsync("north", [Entry(2)], T0, TimeSpan.FromMinutes(5))).HighestContiguous);
        Assert.Equal(3, await reopened.GetLastFeedIdAsync());
    }

    [Fact]
    public async Task A_central_db_from_before_delivery_ids_were_kept_unique_keeps_its_deliveries_and_their_ids()
    {
        var hook = await Store.CreateWebhookAsync("https://a.example/", ["attendee.registered"], "a", T0);
        await Store.EnqueueWebhookEventsAsync([.. Enumerable.Range(1, 3).Select(i => new WebhookEvent("attendee.registered", $$"""{"n":{{i}}}""", T0))]);
        var before = await Store.ReadDueDeliveriesAsync(T0, 10);
        await Store.MarkFailedAsync(before[1].Id, "503", T0.AddMinutes(1));
        await Store.DisposeAsync();
        // The step before: webhook_deliveries as it was, an INTEGER PRIMARY KEY without AUTOINCREMENT.
        Sql.Execute(DatabasePath, """
            CREATE TABLE old(id INTEGER PRIMARY KEY, webhook_id TEXT NOT NULL, event_type TEXT NOT NULL, payload TEXT NOT NULL,
                event_at_us INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at_us INTEGER NOT NULL,
                delivered_at_us INTEGER, given_up INTEGER NOT NULL DEFAULT 0, last_error TEXT);
            INSERT INTO old SELECT * FROM webhook_deliveries;
            DROP TABLE webhook_deliveries;
            ALTER TABLE old RENAME TO webhook_deliveries;
            DELETE FROM sqlite_sequence WHERE name = 'webhook_deliveries';
            UPDATE schema_version SET version = 2;
            """);

        await using var reopened = await SqliteCentralStore.OpenAsync(DatabasePath, Time);

        var after = await reopened.ReadDueDeliveriesAsync(T0.AddMinutes(1), 10);
        Assert.Equal(before.Select(d => (d.Id, d.PayloadJson)).Order(), after.Select(d => (d.Id, d.PayloadJson)).Order());
        Assert.Equal(1, after.Single(d => d.Id == before[1].Id).Attempts);
        Assert.Equal(hook.Id, after[0].Webhook.Id);
        Assert.Contains("AUTOINCREMENT", (string)Sql.Scalar(DatabasePath, "SELECT sql FROM sqlite_master WHERE name = 'webhook_deliveries'")!, StringComparison.Ordinal);
    }
}
