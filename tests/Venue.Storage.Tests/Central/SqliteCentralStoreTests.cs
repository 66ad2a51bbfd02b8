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
}
