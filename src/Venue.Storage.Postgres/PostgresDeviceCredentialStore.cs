using Npgsql;
using Venue.Domain.Devices;

namespace Venue.Storage.Postgres;

/// <summary>
/// Edge and ops credentials in central's database, with the semantics of the SQLite store the edge
/// uses: tokens from <see cref="DeviceToken"/>, only the secret's SHA-256 stored, successful
/// look-ups cached for <see cref="CacheFor"/> (a revocation through another central instance takes
/// effect within it; one through this store at once).
/// </summary>
internal sealed class PostgresDeviceCredentialStore(NpgsqlDataSource dataSource, TimeProvider time) : IDeviceCredentialStore
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    private readonly DeviceCredentialCache _cache = new(time, CacheFor);

    public async Task<(DeviceCredential Credential, string Token)> CreateAsync(string name, DeviceRole role, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            throw new ArgumentException("A device name is 1 to 100 characters.", nameof(name));
        }

        var (id, token) = DeviceToken.Create();
        DeviceToken.TryParse(token, out _, out var secret);
        var credential = new DeviceCredential(id, name.Trim(), role, PostgresValues.AsStored(time.GetUtcNow()), null);
        await using var insert = dataSource.CreateCommand("INSERT INTO devices(id, name, role, secret_sha256, created_at) VALUES (@id, @name, @role, @hash, @created)")
            .With("id", id).With("name", credential.Name).With("role", role.ToString().ToLowerInvariant())
            .With("hash", DeviceToken.HashSecret(secret)).With("created", PostgresValues.Utc(credential.CreatedAt));
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return (credential, token);
    }

    public async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var update = dataSource.CreateCommand("UPDATE devices SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL")
            .With("id", id).With("at", PostgresValues.Utc(time.GetUtcNow()));
        var changed = await update.ExecuteNonQueryAsync(cancellationToken) == 1;
        _cache.Revoked(id);
        return changed;
    }

    public async Task<IReadOnlyList<DeviceCredential>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var select = dataSource.CreateCommand("SELECT id, name, role, secret_sha256, created_at, revoked_at FROM devices ORDER BY created_at, id");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var list = new List<DeviceCredential>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader).Credential);
        }

        return list;
    }

    public async Task<DeviceCredential?> AuthenticateAsync(string token, CancellationToken cancellationToken = default)
    {
        if (!DeviceToken.TryParse(token, out var id, out var secret))
        {
            return null;
        }

        if (!_cache.TryGet(id, out var credential, out var hash))
        {
            var generation = _cache.Generation;
            await using var select = dataSource.CreateCommand("SELECT id, name, role, secret_sha256, created_at, revoked_at FROM devices WHERE id = @id").With("id", id);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            (credential, hash) = Read(reader);
            _cache.Put(id, credential, hash, generation);
        }

        return credential.IsActive && DeviceToken.SecretMatches(secret, hash) ? credential : null;
    }

    private static (DeviceCredential Credential, byte[] Hash) Read(NpgsqlDataReader r) =>
        (new DeviceCredential(
            r.GetString(0),
            r.GetString(1),
            Enum.Parse<DeviceRole>(r.GetString(2), ignoreCase: true),
            r.Time(4),
            r.NullableTime(5)),
         (byte[])r[3]);
}
