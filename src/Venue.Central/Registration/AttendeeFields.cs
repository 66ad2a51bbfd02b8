using System.Text.Json;

namespace Venue.Central.Registration;

/// <summary>
/// The attendee fields integrators send, by wire name, and how a JSON object or a CSV row becomes an
/// <see cref="AttendeeInput"/>. Names match case-insensitively and ignoring '_', '-' and spaces, so
/// <c>ticket_type</c> and <c>Ticket Type</c> (spreadsheet headers) mean <c>ticketType</c>.
/// </summary>
internal static class AttendeeFields
{
    public const string Id = "id";
    public const string Name = "name";
    public const string Email = "email";
    public const string Company = "company";
    public const string TicketType = "ticketType";
    public const string ValidFrom = "validFrom";
    public const string ValidUntil = "validUntil";
    public const string Gates = "gates";

    public static IReadOnlyList<string> All { get; } = [Id, Name, Email, Company, TicketType, ValidFrom, ValidUntil, Gates];

    /// <summary>Fields of an attendee as central answers with it, which a client may not set.</summary>
    private static readonly IReadOnlyList<string> ReadOnly = ["status", "token", "tokenHash", "version", "updatedAt"];

    private static readonly Dictionary<string, string> ByKey =
        All.ToDictionary(Normalize, n => n, StringComparer.Ordinal);

    private static readonly Dictionary<string, string> ReadOnlyByKey =
        ReadOnly.ToDictionary(Normalize, n => n, StringComparer.Ordinal);

    /// <summary>In a CSV cell, gates are separated by ';' (a ',' would need quoting).</summary>
    public const char GateSeparator = ';';

    public static string KnownList => string.Join(", ", All);

    /// <summary>Problems listed per attendee object: enough to fix it, while an object of a million unknown fields costs no more.</summary>
    public const int MaxErrorsPerObject = 20;

    /// <summary>A name as an error echoes it: a field name may be as long as the body.</summary>
    public static string Shorten(string name) => name.Length <= 64 ? name : string.Concat(name.AsSpan(0, 64), "…");

    public static bool TryResolve(string name, out string field) => ByKey.TryGetValue(Normalize(name), out field!);

    /// <summary>Why a name is not accepted: read-only, or unknown.</summary>
    public static string Unknown(string name) =>
        ReadOnlyByKey.TryGetValue(Normalize(name), out var readOnly)
            ? $"'{readOnly}' is set by central and cannot be sent"
            : $"unknown field; the fields are {KnownList}";

    private static string Normalize(string name) =>
        string.Concat(name.Where(c => c is not ('_' or '-' or ' ')).Select(char.ToLowerInvariant));

    /// <summary>A JSON object to an input; every problem goes to <paramref name="errors"/> with the field it concerns.</summary>
    public static AttendeeInput FromJson(JsonElement element, List<(string? Field, string Message)> errors)
    {
        var input = new AttendeeInput();
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add((null, $"each attendee is a JSON object, not {Describe(element.ValueKind)}"));
            return input;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (errors.Count >= MaxErrorsPerObject)
            {
                errors.Add((null, $"more problems in this object are not listed (the first {MaxErrorsPerObject} are)"));
                break;
            }

            if (!TryText(() => property.Name, out var name))
            {
                errors.Add((null, NotText("a field name")));
                continue;
            }

            if (!TryResolve(name, out var field))
            {
                errors.Add((Shorten(name), Unknown(name)));
                continue;
            }

            if (!seen.Add(field))
            {
                errors.Add((field, "the field appears twice"));
                continue;
            }

            var value = property.Value;
            if (field == Gates)
            {
                input = input with { Gates = ReadGates(value, errors) };
                continue;
            }

            string? text;
            switch (value.ValueKind)
            {
                case JsonValueKind.String when TryText(value.GetString, out var read):
                    text = read;
                    break;
                case JsonValueKind.String:
                    errors.Add((field, NotText("the value")));
                    continue;
                case JsonValueKind.Null:
                    text = null;
                    break;
                default:
                    errors.Add((field, $"must be a string{(field is Id or Name or TicketType ? "" : " or null")}, not {Describe(value.ValueKind)}"));
                    continue;
            }

            input = With(input, field, text);
        }

        return input;
    }

    private static Field<IReadOnlyList<string>?> ReadGates(JsonElement value, List<(string? Field, string Message)> errors)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return Field<IReadOnlyList<string>?>.Of(null);
            case JsonValueKind.Array:
                var gates = new List<string>();
                foreach (var gate in value.EnumerateArray())
                {
                    if (gate.ValueKind != JsonValueKind.String)
                    {
                        errors.Add((Gates, $"must be an array of gate ids (strings), not one holding {Describe(gate.ValueKind)}"));
                        return default;
                    }

                    if (!TryText(gate.GetString, out var id))
                    {
                        errors.Add((Gates, NotText("a gate id")));
                        return default;
                    }

                    gates.Add(id);
                }

                return Field<IReadOnlyList<string>?>.Of(gates);
            default:
                errors.Add((Gates, $"must be an array of gate ids or null, not {Describe(value.ValueKind)}"));
                return default;
        }
    }

    /// <summary>
    /// JSON text that is not text: an escaped half of a surrogate pair (<c>"\ud800"</c>) parses, but
    /// reading it as a string throws.
    /// </summary>
    private static bool TryText(Func<string?> read, out string text)
    {
        try
        {
            text = read() ?? "";
            return true;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
    }

    private static string NotText(string what) => $"{what} holds an escaped half of a surrogate pair, which is not text";

    /// <summary>Sets one text field (not gates) by wire name.</summary>
    public static AttendeeInput With(AttendeeInput input, string field, string? text) => field switch
    {
        Id => input with { Id = text },
        Name => input with { Name = text },
        Email => input with { Email = text },
        Company => input with { Company = text },
        TicketType => input with { TicketType = text },
        ValidFrom => input with { ValidFrom = text },
        ValidUntil => input with { ValidUntil = text },
        Gates => input with { Gates = Field<IReadOnlyList<string>?>.Of(SplitGates(text)) },
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "not an attendee field"),
    };

    /// <summary>A CSV cell of gates, "G01;G02": null when empty.</summary>
    public static IReadOnlyList<string>? SplitGates(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? null
            : text.Split(GateSeparator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
