using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Venue.Storage.Sqlite.Central;

/// <summary>How central.db spells values: times in microseconds, token hashes as bytes, lists as JSON arrays.</summary>
internal static class SqliteValues
{
    public static long Micros(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static long? Micros(DateTimeOffset? t) => t is { } value ? Micros(value) : null;

    public static DateTimeOffset FromMicros(long us) => new(DateTimeOffset.UnixEpoch.UtcTicks + (us * 10), TimeSpan.Zero);

    /// <summary>A time as the store hands it back (UTC, whole microseconds).</summary>
    public static DateTimeOffset AsStored(DateTimeOffset t) => FromMicros(Micros(t));

    public static DateTimeOffset? AsStored(DateTimeOffset? t) => t is { } value ? AsStored(value) : null;

    public static byte[] Bytes(UInt128 hash)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, hash);
        return bytes;
    }

    public static UInt128 Hash(byte[] bytes) => BinaryPrimitives.ReadUInt128BigEndian(bytes);

    public static string Json(IReadOnlyList<string> list) => JsonSerializer.Serialize(list);

    public static string[] List(string json) => JsonSerializer.Deserialize<string[]>(json) ?? [];

    public static SqliteCommand Command(this SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static long? NullableInt64(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static string? NullableString(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset? NullableTime(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : FromMicros(reader.GetInt64(ordinal));

    public static DateTimeOffset Time(this SqliteDataReader reader, int ordinal) => FromMicros(reader.GetInt64(ordinal));
}
