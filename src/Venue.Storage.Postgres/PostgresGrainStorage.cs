using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Venue.Runtime;
using Venue.Runtime.Storage;

namespace Venue.Storage.Postgres;

/// <summary>
/// Grain state rows keyed by grain type and key (Orleans' ADO.NET table keys by key alone and lets
/// two grain types collide), with a version as etag. Each write is one conditional statement;
/// versions come from a sequence, so an etag is never reused, not even after a clear.
/// </summary>
internal sealed class PostgresGrainStorage(NpgsqlDataSource dataSource) : IGrainStorage
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<StoredState<TState>?> ReadAsync<TState>(GrainId grainId, CancellationToken cancellationToken)
    {
        await using var select = dataSource.CreateCommand("SELECT version, payload::text FROM grain_state WHERE grain_type = @type AND grain_key = @key")
            .With("type", grainId.Type).With("key", grainId.Key);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var state = JsonSerializer.Deserialize<TState>(reader.GetString(1), Json)
            ?? throw new InvalidDataException($"The stored state of {grainId} is null.");
        return new StoredState<TState>(state, Etag(reader.GetInt64(0)));
    }

    public async Task<string> WriteAsync<TState>(GrainId grainId, TState state, string? expectedEtag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var payload = JsonSerializer.Serialize(state, Json);
        NpgsqlCommand write;
        if (expectedEtag is null)
        {
            write = dataSource.CreateCommand("""
                INSERT INTO grain_state(grain_type, grain_key, version, payload)
                VALUES (@type, @key, nextval('grain_state_version'), @payload)
                ON CONFLICT (grain_type, grain_key) DO NOTHING
                RETURNING version
                """);
        }
        else if (long.TryParse(expectedEtag, NumberStyles.None, CultureInfo.InvariantCulture, out var expected))
        {
            write = dataSource.CreateCommand("""
                UPDATE grain_state SET version = nextval('grain_state_version'), payload = @payload
                WHERE grain_type = @type AND grain_key = @key AND version = @expected
                RETURNING version
                """).With("expected", expected);
        }
        else
        {
            throw new InconsistentStateException(grainId, expectedEtag, await ReadEtagAsync(grainId, cancellationToken));
        }

        await using (write)
        {
            write.With("type", grainId.Type).With("key", grainId.Key).With("payload", NpgsqlDbType.Jsonb, payload);
            if (await write.ExecuteScalarAsync(cancellationToken) is long version)
            {
                return Etag(version);
            }
        }

        throw new InconsistentStateException(grainId, expectedEtag, await ReadEtagAsync(grainId, cancellationToken));
    }

    public async Task ClearAsync(GrainId grainId, string? expectedEtag, CancellationToken cancellationToken)
    {
        if (expectedEtag is null)
        {
            // Nothing to clear, as long as nothing is stored.
            if (await ReadEtagAsync(grainId, cancellationToken) is { } stored)
            {
                throw new InconsistentStateException(grainId, expectedEtag, stored);
            }

            return;
        }

        if (long.TryParse(expectedEtag, NumberStyles.None, CultureInfo.InvariantCulture, out var expected))
        {
            await using var delete = dataSource.CreateCommand("DELETE FROM grain_state WHERE grain_type = @type AND grain_key = @key AND version = @expected")
                .With("type", grainId.Type).With("key", grainId.Key).With("expected", expected);
            if (await delete.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                return;
            }
        }

        throw new InconsistentStateException(grainId, expectedEtag, await ReadEtagAsync(grainId, cancellationToken));
    }

    private async Task<string?> ReadEtagAsync(GrainId grainId, CancellationToken cancellationToken)
    {
        await using var select = dataSource.CreateCommand("SELECT version FROM grain_state WHERE grain_type = @type AND grain_key = @key")
            .With("type", grainId.Type).With("key", grainId.Key);
        return await select.ExecuteScalarAsync(cancellationToken) is long version ? Etag(version) : null;
    }

    private static string Etag(long version) => version.ToString(CultureInfo.InvariantCulture);
}
