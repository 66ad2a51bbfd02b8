using System.Globalization;
using Microsoft.Data.Sqlite;
using Venue.Domain.Devices;

namespace Venue.Storage.Sqlite;

/// <summary>
/// Device credentials in a SQLite file of their own (so credential changes never contend with the
/// journal). Successful look-ups are cached briefly; a revocation made by another process (the
/// <c>venue edge devices revoke</c> command) takes effect within <see cref="CacheFor"/>.
/// </summary>
public sealed class SqliteDeviceCredentialStore(string path, TimeProvider time) : IDeviceCredentialStore
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    private readonly DeviceCredentialCache _cache = new(time, CacheFor);
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, DefaultTimeout = 5 }.ToString();
    private readonly object _initializing = new();
    private volatile bool _initialized;

    private SqliteConnection Open()
    {
        if (!_initialized)
        {
            // Every first caller waits until the table exists, not only the one that creates it.
            lock (_initializing)
            {
                if (!_initialized)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                    using var schema = new SqliteConnection(_connectionString);
                    schema.Open();
                    using var create = schema.CreateCommand();
                    create.CommandText = """
                        PRAGMA journal_mode=WAL;
                        CREATE TABLE IF NOT EXISTS devices(
                            id TEXT PRIMARY KEY,
                            name TEXT NOT NULL,
                            role TEXT NOT NULL,
                            secret_sha256 BLOB NOT NULL,
                            created_at TEXT NOT NULL,
                            revoked_at TEXT);
                        """;
                    create.ExecuteNonQuery();
                    _initialized = true;
                }
            }
        }

        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    public async Task<(DeviceCredential Credential, string Token)> CreateAsync(string name, DeviceRole role, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            throw new ArgumentException("A device name is 1 to 100 characters.", nameof(name));
        }

        var (id, token) = DeviceToken.Create();
        DeviceToken.TryParse(token, out _, out var secret);
        var credential = new DeviceCredential(id, name.Trim(), role, time.GetUtcNow(), null);
        await using var connection = Open();
        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO devices(id, name, role, secret_sha256, created_at) VALUES ($id, $name, $role, $hash, $created)";
        insert.Parameters.AddWithValue("$id", id);
        insert.Parameters.AddWithValue("$name", credential.Name);
        insert.Parameters.AddWithValue("$role", role.ToString().ToLowerInvariant());
        insert.Parameters.AddWithValue("$hash", DeviceToken.HashSecret(secret));
        insert.Parameters.AddWithValue("$created", credential.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return (credential, token);
    }

    public async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE devices SET revoked_at = $at WHERE id = $id AND revoked_at IS NULL";
        update.Parameters.AddWithValue("$id", id);
        update.Parameters.AddWithValue("$at", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
        var changed = await update.ExecuteNonQueryAsync(cancellationToken) == 1;
        _cache.Revoked(id);
        return changed;
    }

    public async Task<IReadOnlyList<DeviceCredential>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT id, name, role, secret_sha256, created_at, revoked_at FROM devices ORDER BY created_at, id";
        var list = new List<DeviceCredential>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
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
            await using var connection = Open();
            await using var select = connection.CreateCommand();
            select.CommandText = "SELECT id, name, role, secret_sha256, created_at, revoked_at FROM devices WHERE id = $id";
            select.Parameters.AddWithValue("$id", id);
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

    private static (DeviceCredential Credential, byte[] Hash) Read(SqliteDataReader r) =>
        (new DeviceCredential(
            r.GetString(0),
            r.GetString(1),
            Enum.Parse<DeviceRole>(r.GetString(2), ignoreCase: true),
            DateTimeOffset.Parse(r.GetString(4), CultureInfo.InvariantCulture),
            r.IsDBNull(5) ? null : DateTimeOffset.Parse(r.GetString(5), CultureInfo.InvariantCulture)),
         (byte[])r.GetValue(3));
}
