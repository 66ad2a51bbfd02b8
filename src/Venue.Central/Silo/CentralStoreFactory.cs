using Venue.Domain.Central;
using Venue.Storage.Postgres;
using Venue.Storage.Sqlite.Central;

namespace Venue.Central.Silo;

/// <summary>Opens the store the options name (PostgreSQL when a connection string is set, else embedded SQLite) and migrates it.</summary>
public static class CentralStoreFactory
{
    public static async Task<ICentralStore> OpenAsync(CentralOptions options, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ICentralStore store;
        if (!string.IsNullOrWhiteSpace(options.PostgresConnectionString))
        {
            store = PostgresCentralStore.Create(options.PostgresConnectionString, time);
        }
        else
        {
            Directory.CreateDirectory(options.DataDirectory);
            store = await SqliteCentralStore.OpenAsync(options.SqlitePath, time, cancellationToken);
        }

        try
        {
            await store.MigrateAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// For a central: claims the store (one central per store, see <see cref="ICentralClaim"/>)
    /// before it opens and migrates it, so a second central, a newer build in a rolling restart say,
    /// is refused before it upgrades the schema under the one running.
    /// </summary>
    public static async Task<(ICentralStore Store, ICentralClaim Claim)> OpenClaimedAsync(CentralOptions options, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ICentralStore? store = null;
        ICentralClaim? claim = null;
        try
        {
            if (!string.IsNullOrWhiteSpace(options.PostgresConnectionString))
            {
                store = PostgresCentralStore.Create(options.PostgresConnectionString, time);
                claim = await store.ClaimAsync(cancellationToken);
            }
            else
            {
                Directory.CreateDirectory(options.DataDirectory);
                claim = SqliteCentralStore.Claim(options.SqlitePath);
                store = await SqliteCentralStore.OpenAsync(options.SqlitePath, time, cancellationToken);
            }

            await store.MigrateAsync(cancellationToken);
            return (store, claim);
        }
        catch
        {
            if (store is not null)
            {
                await store.DisposeAsync();
            }

            if (claim is not null)
            {
                await claim.DisposeAsync();
            }

            throw;
        }
    }
}
