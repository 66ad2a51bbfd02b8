using System.Globalization;
using System.Text.Json;
using Venue.Runtime;
using Venue.Runtime.Storage;

namespace Venue.Storage.Sqlite.Central;

/// <summary>
/// Grain state rows in central.db, keyed by grain type and key (so two grain types never share a
/// row), with a version as etag. Versions come from one counter, so an etag is never reused, not
/// even after a clear and a fresh write.
/// </summary>
internal sealed class SqliteGrainStorage(SqliteCentralStore store) : IGrainStorage
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<StoredState<TState>?> ReadAsync<TState>(GrainId grainId, CancellationToken cancellationToken)
    {
        using var connection = store.OpenReader();
        using var select = connection.Command("SELECT version, payload FROM grain_state WHERE grain_type = $type AND grain_key = $key")
            .With("$type", grainId.Type).With("$key", grainId.Key);
        using var reader = select.ExecuteReader();
        if (!reader.Read())
        {
            return Task.FromResult<StoredState<TState>?>(null);
        }

        var state = JsonSerializer.Deserialize<TState>(reader.GetString(1), Json)
            ?? throw new InvalidDataException($"The stored state of {grainId} is null.");
        return Task.FromResult<StoredState<TState>?>(new StoredState<TState>(state, Etag(reader.GetInt64(0))));
    }

    public Task<string> WriteAsync<TState>(GrainId grainId, TState state, string? expectedEtag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var payload = JsonSerializer.Serialize(state, Json);
        return store.WriteAsync(transaction =>
        {
            Check(transaction, grainId, expectedEtag);
            var version = store.TakeGrainVersion(transaction);
            using var upsert = transaction.Connection!.Command("""
                INSERT INTO grain_state(grain_type, grain_key, version, payload) VALUES ($type, $key, $version, $payload)
                ON CONFLICT(grain_type, grain_key) DO UPDATE SET version = excluded.version, payload = excluded.payload
                """, transaction)
                .With("$type", grainId.Type).With("$key", grainId.Key).With("$version", version).With("$payload", payload);
            upsert.ExecuteNonQuery();
            return Etag(version);
        }, cancellationToken);
    }

    public Task ClearAsync(GrainId grainId, string? expectedEtag, CancellationToken cancellationToken) =>
        store.WriteAsync(transaction =>
        {
            Check(transaction, grainId, expectedEtag);
            using var delete = transaction.Connection!.Command("DELETE FROM grain_state WHERE grain_type = $type AND grain_key = $key", transaction)
                .With("$type", grainId.Type).With("$key", grainId.Key);
            return delete.ExecuteNonQuery();
        }, cancellationToken);

    /// <summary>Throws unless the stored etag is the expected one (inside the write, so nothing slips between).</summary>
    private static void Check(Microsoft.Data.Sqlite.SqliteTransaction transaction, GrainId grainId, string? expectedEtag)
    {
        using var select = transaction.Connection!.Command("SELECT version FROM grain_state WHERE grain_type = $type AND grain_key = $key", transaction)
            .With("$type", grainId.Type).With("$key", grainId.Key);
        var stored = select.ExecuteScalar() is long version ? Etag(version) : null;
        if (!string.Equals(stored, expectedEtag, StringComparison.Ordinal))
        {
            throw new InconsistentStateException(grainId, expectedEtag, stored);
        }
    }

    private static string Etag(long version) => version.ToString(CultureInfo.InvariantCulture);
}
