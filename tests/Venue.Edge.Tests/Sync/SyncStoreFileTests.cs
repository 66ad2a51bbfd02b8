using Microsoft.Data.Sqlite;
using Venue.Edge.Sync;

namespace Venue.Edge.Tests.Sync;

/// <summary>What opening sync.db says when the file is not one this build can use, and that it leaves such a file as it was.</summary>
public sealed class SyncStoreFileTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public void A_damaged_sync_db_is_named_in_the_error()
    {
        var path = _directory.File("sync.db");
        var garbage = new byte[8192];
        new Random(3).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);

        var thrown = Assert.Throws<InvalidDataException>(() => EdgeSyncStore.Open(path, "north").Dispose());

        Assert.Contains(path, thrown.Message, StringComparison.Ordinal);
        Assert.Contains("file is not a database", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sync_db_of_a_newer_version_is_refused_untouched()
    {
        var path = _directory.File("sync.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE sync_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL); INSERT INTO sync_meta VALUES ('schema', 2);";
            create.ExecuteNonQuery();
        }

        var thrown = Assert.Throws<InvalidDataException>(() => EdgeSyncStore.Open(path, "north").Dispose());

        Assert.Contains("schema version 2", thrown.Message, StringComparison.Ordinal);
        using var check = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        check.Open();
        using var tables = check.CreateCommand();
        tables.CommandText = "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'";
        Assert.Equal("sync_meta", tables.ExecuteScalar());
    }
}
