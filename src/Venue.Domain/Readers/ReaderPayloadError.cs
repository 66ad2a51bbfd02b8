namespace Venue.Domain.Readers;

/// <summary>
/// What is wrong with a reader payload: the kind, the 0-based index of the event at fault (null when
/// the payload as a whole is at fault), the JSON field (e.g. <c>data.antenna</c>) and a sentence for
/// the log and the ops console.
/// </summary>
public sealed record ReaderPayloadError(ReaderPayloadErrorKind Kind, int? EventIndex, string? Field, string Detail)
{
    public override string ToString()
    {
        var where = (EventIndex, Field) switch
        {
            ({ } index, { } field) => $"event {index}, {field}: ",
            ({ } index, null) => $"event {index}: ",
            (null, { } field) => $"{field}: ",
            _ => "",
        };
        return $"{Kind}: {where}{Detail}";
    }
}
