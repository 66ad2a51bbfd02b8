using System.Buffers.Binary;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Venue.Storage.Postgres;

/// <summary>How the PostgreSQL store spells values: UTC timestamps to the microsecond, token hashes as 16 bytes.</summary>
internal static class PostgresValues
{
    /// <summary>A time as PostgreSQL keeps it (UTC, whole microseconds; the rest is cut, as Npgsql does on write).</summary>
    public static DateTimeOffset AsStored(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % 10), TimeSpan.Zero);

    public static DateTimeOffset? AsStored(DateTimeOffset? t) => t is { } value ? AsStored(value) : null;

    /// <summary>
    /// A time to write: cut to whole microseconds here, so the value written is the value
    /// <see cref="AsStored(DateTimeOffset)"/> hands to callers. Npgsql would cut toward its own
    /// epoch (2000), which for an earlier time is one microsecond later than that.
    /// </summary>
    public static DateTime Utc(DateTimeOffset t) => AsStored(t).UtcDateTime;

    public static DateTime? Utc(DateTimeOffset? t) => t is { } value ? Utc(value) : null;

    public static byte[] Bytes(UInt128 hash)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, hash);
        return bytes;
    }

    public static UInt128 Hash(byte[] bytes) => BinaryPrimitives.ReadUInt128BigEndian(bytes);

    public static string Json(IReadOnlyList<string> list) => JsonSerializer.Serialize(list);

    public static string[] List(string json) => JsonSerializer.Deserialize<string[]>(json) ?? [];

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        return command;
    }

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, NpgsqlDbType type, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
        return command;
    }

    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, string name, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        return command;
    }

    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, string name, NpgsqlDbType type, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
        return command;
    }

    public static DateTimeOffset Time(this NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTimeOffset? NullableTime(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static string? NullableString(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
