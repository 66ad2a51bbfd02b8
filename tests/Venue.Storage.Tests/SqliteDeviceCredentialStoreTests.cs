using Microsoft.Data.Sqlite;
using System.Text;
using Venue.Domain.Devices;
using Venue.Storage.Sqlite;

namespace Venue.Storage.Tests;

public sealed class SqliteDeviceCredentialStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2030, 6, 1, 7, 30, 0, TimeSpan.Zero);

    private readonly TempDirectory _directory = new();
    private readonly ManualTimeProvider _time = new(Start);

    public void Dispose()
    {
        // Pooled connections (the credential store uses the default pool) keep the files open.
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private string StorePath => _directory.File("devices.db");

    private SqliteDeviceCredentialStore NewStore(TimeProvider? time = null) => new(StorePath, time ?? _time);

    private static string SecretOf(string token)
    {
        Assert.True(DeviceToken.TryParse(token, out _, out var secret));
        return secret;
    }

    [Theory]
    [InlineData(DeviceRole.Scanner)]
    [InlineData(DeviceRole.Reader)]
    [InlineData(DeviceRole.Ops)]
    public async Task A_created_token_authenticates_to_its_credential_with_its_role(DeviceRole role)
    {
        var store = NewStore();

        var (credential, token) = await store.CreateAsync("  Gate 3 scanner A  ", role);

        Assert.Equal(new DeviceCredential(credential.Id, "Gate 3 scanner A", role, Start, null), credential);
        Assert.StartsWith($"vdt_{credential.Id}_", token, StringComparison.Ordinal);
        Assert.Equal(credential, await store.AuthenticateAsync(token));
        Assert.Equal(credential, await NewStore().AuthenticateAsync(token));
    }

    [Fact]
    public async Task Only_a_SHA256_of_the_secret_is_stored()
    {
        var store = NewStore();
        var (credential, token) = await store.CreateAsync("scanner", DeviceRole.Scanner);
        var secret = SecretOf(token);

        using (var connection = Sql.Open(StorePath))
        using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT * FROM devices";
            using var reader = select.ExecuteReader();
            Assert.True(reader.Read());
            for (var column = 0; column < reader.FieldCount; column++)
            {
                var value = reader.GetValue(column);
                var text = value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            }

            Assert.Equal(DeviceToken.HashSecret(secret), (byte[])reader["secret_sha256"]);
            Assert.Equal(credential.Id, reader["id"]);
            Assert.False(reader.Read());
        }

        // Nor anywhere in the files. The log first: if the last connection closes meanwhile, SQLite
        // checkpoints it into the database and deletes it, and the database is read after.
        var needle = Encoding.UTF8.GetBytes(secret);
        foreach (var file in new[] { StorePath + "-wal", StorePath })
        {
            byte[] content;
            try
            {
                content = await File.ReadAllBytesAsync(file);
            }
            catch (FileNotFoundException) when (file.EndsWith("-wal", StringComparison.Ordinal))
            {
                continue;
            }

            Assert.True(content.AsSpan().IndexOf(needle) < 0, $"{Path.GetFileName(file)} holds the secret.");
        }
    }

    [Fact]
    public async Task A_wrong_secret_with_a_right_id_fails()
    {
        var store = NewStore();
        var (credential, token) = await store.CreateAsync("scanner", DeviceRole.Scanner);
        var (_, otherToken) = await store.CreateAsync("other", DeviceRole.Scanner);
        Assert.NotNull(await store.AuthenticateAsync(token)); // cached now: the cache must not skip the secret check

        Assert.Null(await store.AuthenticateAsync($"vdt_{credential.Id}_{SecretOf(otherToken)}"));
        Assert.Null(await store.AuthenticateAsync(token + "x"));
        Assert.Null(await store.AuthenticateAsync(token[..^1]));
        Assert.Null(await NewStore().AuthenticateAsync($"vdt_{credential.Id}_{SecretOf(otherToken)}"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("vdt_")]
    [InlineData("vdt_0123456789ab_nosuchdevice")]
    [InlineData("Bearer something")]
    public async Task A_malformed_or_unknown_token_fails(string token)
    {
        var store = NewStore();
        await store.CreateAsync("scanner", DeviceRole.Scanner);

        Assert.Null(await store.AuthenticateAsync(token));
    }

    [Fact]
    public async Task A_revoked_credential_fails_at_once_in_the_revoking_store_and_in_a_new_one()
    {
        var store = NewStore();
        var (credential, token) = await store.CreateAsync("scanner", DeviceRole.Scanner);
        Assert.NotNull(await store.AuthenticateAsync(token));

        Assert.True(await store.RevokeAsync(credential.Id));

        Assert.Null(await store.AuthenticateAsync(token));
        Assert.Null(await NewStore().AuthenticateAsync(token));
        Assert.False(await store.RevokeAsync(credential.Id));
        Assert.False(await store.RevokeAsync("no-such-id"));
    }

    [Fact]
    public async Task A_revocation_by_another_process_takes_effect_once_the_cache_expires()
    {
        var edge = NewStore();
        var (credential, token) = await edge.CreateAsync("scanner", DeviceRole.Scanner);
        Assert.NotNull(await edge.AuthenticateAsync(token));

        // The `venue edge devices revoke` command: another store on the same file.
        Assert.True(await NewStore(new ManualTimeProvider(Start)).RevokeAsync(credential.Id));

        _time.Advance(SqliteDeviceCredentialStore.CacheFor);
        Assert.NotNull(await edge.AuthenticateAsync(token)); // still within the documented cache time
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await edge.AuthenticateAsync(token));
    }

    [Fact]
    public async Task A_wall_clock_stepped_back_does_not_keep_a_credential_revoked_elsewhere_cached()
    {
        var edge = NewStore();
        var (credential, token) = await edge.CreateAsync("Gate 3 scanner A", DeviceRole.Scanner);
        Assert.NotNull(await edge.AuthenticateAsync(token));
        Assert.True(await NewStore(new ManualTimeProvider(Start)).RevokeAsync(credential.Id));

        // NTP steps the edge's clock an hour back; the cache's own time still runs on.
        _time.StepWallClockTo(Start.AddHours(-1));
        _time.Advance(SqliteDeviceCredentialStore.CacheFor + TimeSpan.FromSeconds(1));

        Assert.Null(await edge.AuthenticateAsync(token));
    }

    [Fact]
    public async Task The_list_shows_every_credential_in_creation_order_with_its_revoked_state()
    {
        var store = NewStore();
        var (scanner, _) = await store.CreateAsync("scanner", DeviceRole.Scanner);
        _time.Advance(TimeSpan.FromMinutes(1));
        var (reader, _) = await store.CreateAsync("reader", DeviceRole.Reader);
        _time.Advance(TimeSpan.FromMinutes(1));
        var (ops, _) = await store.CreateAsync("ops", DeviceRole.Ops);
        _time.Advance(TimeSpan.FromMinutes(1));
        await store.RevokeAsync(reader.Id);

        var list = await NewStore().ListAsync();

        Assert.Equal([scanner, reader with { RevokedAt = Start.AddMinutes(3) }, ops], list);
        Assert.Equal([true, false, true], list.Select(c => c.IsActive));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task A_device_needs_a_name_of_1_to_100_characters(string name)
    {
        var store = NewStore();

        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync(name, DeviceRole.Scanner));
        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync(new string('x', 101), DeviceRole.Scanner));
        Assert.NotNull((await store.CreateAsync(new string('x', 100), DeviceRole.Scanner)).Token);
    }

    [Fact]
    public async Task Concurrent_first_calls_on_a_new_store_all_find_the_table()
    {
        for (var round = 0; round < 10; round++)
        {
            var store = new SqliteDeviceCredentialStore(_directory.File($"devices-{round}.db"), _time);
            var start = Signal.New();

            var calls = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            {
                await start.Task;
                if (i % 2 == 0)
                {
                    return await store.AuthenticateAsync($"vdt_0123456789ab_secret{i}") is null;
                }

                var (credential, token) = await store.CreateAsync($"scanner {i}", DeviceRole.Scanner);
                return (await store.AuthenticateAsync(token))?.Id == credential.Id;
            })).ToList();
            start.SetResult();

            Assert.All(await Task.WhenAll(calls).WithTimeout("concurrent first calls"), Assert.True);
        }
    }
}
