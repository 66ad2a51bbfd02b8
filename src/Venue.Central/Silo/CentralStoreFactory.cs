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
}
