namespace Venue.LoadHarness.Resp;

public enum RespType
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
}

/// <summary>
/// One RESP2 reply. Bulk strings are decoded as UTF-8 text (all this harness reads); a null bulk
/// string or null array has <see cref="IsNull"/> set.
/// </summary>
public sealed record RespValue(RespType Type, string? Text = null, long Integer = 0, IReadOnlyList<RespValue>? Items = null)
{
    public bool IsNull => Type switch
    {
        RespType.BulkString => Text is null,
        RespType.Array => Items is null,
        _ => false,
    };

    public bool IsError => Type == RespType.Error;

    public override string ToString() => Type switch
    {
        RespType.Integer => $"(integer) {Integer}",
        RespType.Error => $"(error) {Text}",
        RespType.Array => Items is null ? "(nil array)" : $"[{string.Join(", ", Items)}]",
        _ => Text ?? "(nil)",
    };
}
