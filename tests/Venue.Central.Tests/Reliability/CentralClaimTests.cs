using Venue.Central.Silo;
using Venue.Storage.Sqlite.Central;

namespace Venue.Central.Tests.Reliability;

/// <summary>How a central takes its store: the claim first, then the schema.</summary>
public sealed class CentralClaimTests
{
    [Fact]
    public async Task A_central_refused_the_store_has_not_touched_its_schema()
    {
        using var directory = new TempDirectory();
        var options = new CentralOptions { DataDirectory = directory.Path, EventId = "claims" };
        // The running central's claim (it may be an older build, on a schema this one would upgrade).
        await using var running = SqliteCentralStore.Claim(options.SqlitePath);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => CentralStoreFactory.OpenClaimedAsync(options, TimeProvider.System));

        Assert.StartsWith("Another central is running", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(options.SqlitePath), "the refused central created or migrated the database");

        await running.DisposeAsync();
        var (store, claim) = await CentralStoreFactory.OpenClaimedAsync(options, TimeProvider.System);
        await using (store)
        await using (claim)
        {
            Assert.True(File.Exists(options.SqlitePath));
            Assert.True(await claim.RenewAsync());
        }
    }
}
