using System.Globalization;
using System.Net.Mail;
using System.Text.RegularExpressions;
using Venue.Domain.Central;

namespace Venue.Central.Registration;

/// <summary>
/// The rules an attendee must meet, field by field, so every problem of a row is reported at once
/// with the field it concerns.
/// </summary>
internal static partial class AttendeeValidator
{
    public const int MaxNameLength = 200;
    public const int MaxCompanyLength = 200;
    public const int MaxEmailLength = 254;
    public const int MaxGates = 64;

    // Ids travel inside badge tokens (at most 255 bytes) and in URLs: keep them short and plain.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex GatePattern();

    // ISO 8601 as integrators send it: a date, or a date and time (a space for the 'T', as spreadsheets
    // write it), seconds and fraction optional, then Z or an offset, or nothing for UTC. Not whatever
    // DateTimeOffset.Parse would guess at: "08:00" (today), "12/11/2030" (US order), "Sunday, ...".
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?)?$")]
    private static partial Regex IsoTimePattern();

    // Badge tokens hold validity as unsigned 32-bit unix seconds, with 0 meaning "no bound".
    private static readonly DateTimeOffset Earliest = DateTimeOffset.FromUnixTimeSeconds(1);
    private static readonly DateTimeOffset Latest = DateTimeOffset.FromUnixTimeSeconds(uint.MaxValue);

    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    /// <summary>A new attendee (single registration or an import row): name and ticket type required.</summary>
    public static AttendeeDraft? ValidateNew(AttendeeInput input, IReadOnlyCollection<string> ticketTypes, List<(string? Field, string Message)> errors)
    {
        var before = errors.Count;
        string? id = null;
        if (input.Id is { IsSet: true, Value: { } rawId } && rawId.Trim().Length > 0)
        {
            id = CheckId(rawId.Trim(), errors);
        }

        var name = Required(input.Name, AttendeeFields.Name, errors) is { } n ? CheckName(n, errors) : null;
        var ticketType = Required(input.TicketType, AttendeeFields.TicketType, errors) is { } t ? CheckTicketType(t, ticketTypes, errors) : null;
        var email = CheckEmail(input.Email.Value, errors);
        var company = CheckCompany(input.Company.Value, errors);
        var validFrom = ParseTime(input.ValidFrom.Value, AttendeeFields.ValidFrom, errors);
        var validUntil = ParseTime(input.ValidUntil.Value, AttendeeFields.ValidUntil, errors);
        CheckWindow(validFrom, validUntil, errors);
        var gates = CheckGates(input.Gates.Value, errors);
        return errors.Count == before ? new AttendeeDraft(id, name!, email, company, ticketType!, validFrom, validUntil, gates) : null;
    }

    /// <summary>An update: only the fields sent change; the result must still be a valid attendee.</summary>
    public static AttendeeDraft? ValidatePatch(RegisteredAttendee current, AttendeeInput patch, IReadOnlyCollection<string> ticketTypes, List<(string? Field, string Message)> errors)
    {
        var before = errors.Count;
        if (patch.Id is { IsSet: true, Value: { } id } && !string.Equals(id.Trim(), current.Id, StringComparison.Ordinal))
        {
            errors.Add((AttendeeFields.Id, "an attendee's id cannot change"));
        }

        var name = current.Name;
        if (patch.Name.IsSet)
        {
            name = Required(patch.Name, AttendeeFields.Name, errors) is { } n ? CheckName(n, errors) ?? name : name;
        }

        var ticketType = current.TicketType;
        if (patch.TicketType.IsSet)
        {
            ticketType = Required(patch.TicketType, AttendeeFields.TicketType, errors) is { } t ? CheckTicketType(t, ticketTypes, errors) ?? ticketType : ticketType;
        }

        var email = patch.Email.IsSet ? CheckEmail(patch.Email.Value, errors) : current.Email;
        var company = patch.Company.IsSet ? CheckCompany(patch.Company.Value, errors) : current.Company;
        var validFrom = patch.ValidFrom.IsSet ? ParseTime(patch.ValidFrom.Value, AttendeeFields.ValidFrom, errors) : current.ValidFrom;
        var validUntil = patch.ValidUntil.IsSet ? ParseTime(patch.ValidUntil.Value, AttendeeFields.ValidUntil, errors) : current.ValidUntil;
        CheckWindow(validFrom, validUntil, errors);
        var gates = patch.Gates.IsSet ? CheckGates(patch.Gates.Value, errors) : current.Gates;
        return errors.Count == before ? new AttendeeDraft(current.Id, name, email, company, ticketType, validFrom, validUntil, gates) : null;
    }

    private static string? Required(Field<string?> field, string name, List<(string? Field, string Message)> errors)
    {
        if (IsBlank(field.Value))
        {
            errors.Add((name, "is required"));
            return null;
        }

        return field.Value.Trim();
    }

    private static string? CheckId(string id, List<(string? Field, string Message)> errors)
    {
        if (!IsValidId(id))
        {
            errors.Add((AttendeeFields.Id, "must be 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit (or be left out for central to choose one)"));
            return null;
        }

        return id;
    }

    private static string? CheckName(string name, List<(string? Field, string Message)> errors)
    {
        if (name.Length > MaxNameLength)
        {
            errors.Add((AttendeeFields.Name, $"is at most {MaxNameLength} characters"));
            return null;
        }

        if (name.Any(IsUnprintable))
        {
            errors.Add((AttendeeFields.Name, "must not hold control characters (line breaks, tabs) or direction overrides"));
            return null;
        }

        return name;
    }

    private static string? CheckTicketType(string ticketType, IReadOnlyCollection<string> ticketTypes, List<(string? Field, string Message)> errors)
    {
        if (!ticketTypes.Contains(ticketType, StringComparer.Ordinal))
        {
            errors.Add((AttendeeFields.TicketType, $"'{ticketType}' is not a ticket type of this event; it has {string.Join(", ", ticketTypes)}"));
            return null;
        }

        return ticketType;
    }

    private static string? CheckEmail(string? email, List<(string? Field, string Message)> errors)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return null;
        }

        email = email.Trim();
        // MailAddress also accepts "Name <a@b.c>": only a bare address that it reads back unchanged is an email here.
        if (email.Length > MaxEmailLength || !MailAddress.TryCreate(email, out var address) || address.Address != email || !address.Host.Contains('.', StringComparison.Ordinal))
        {
            errors.Add((AttendeeFields.Email, $"'{Shorten(email)}' is not an email address like name@example.com"));
            return null;
        }

        return email;
    }

    private static string? CheckCompany(string? company, List<(string? Field, string Message)> errors)
    {
        if (IsBlank(company))
        {
            return null;
        }

        company = company.Trim();
        if (company.Length > MaxCompanyLength || company.Any(IsUnprintable))
        {
            errors.Add((AttendeeFields.Company, $"is at most {MaxCompanyLength} characters, without control characters or direction overrides"));
            return null;
        }

        return company;
    }

    /// <summary>Nothing a badge could print: empty, or only white space and invisible format characters (a zero-width space).</summary>
    private static bool IsBlank([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] string? text) =>
        text is null || text.All(c => char.IsWhiteSpace(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format);

    /// <summary>
    /// Characters that break a printed badge or a console line, or make text read other than it is:
    /// controls, line and paragraph separators, and bidirectional embeddings, overrides and isolates.
    /// Joiners (U+200C, U+200D), which some scripts' names need, are fine.
    /// </summary>
    private static bool IsUnprintable(char c) =>
        char.IsControl(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';

    private static DateTimeOffset? ParseTime(string? text, string field, List<(string? Field, string Message)> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!IsoTimePattern().IsMatch(text.Trim())
            || !DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var at))
        {
            errors.Add((field, $"'{Shorten(text)}' is not an ISO 8601 time such as 2026-11-22T08:00:00Z"));
            return null;
        }

        if (at < Earliest || at > Latest)
        {
            errors.Add((field, $"must lie between {Earliest:yyyy-MM-dd} and {Latest:yyyy-MM-dd}"));
            return null;
        }

        // Badges carry whole seconds: store what the badge says.
        return DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds());
    }

    private static void CheckWindow(DateTimeOffset? validFrom, DateTimeOffset? validUntil, List<(string? Field, string Message)> errors)
    {
        if (validFrom is { } from && validUntil is { } until && until <= from)
        {
            errors.Add((AttendeeFields.ValidUntil, $"must be after validFrom ({from:O})"));
        }
    }

    private static IReadOnlyList<string>? CheckGates(IReadOnlyList<string>? gates, List<(string? Field, string Message)> errors)
    {
        if (gates is null || gates.Count == 0)
        {
            // An empty list would let the attendee through no gate at all: read it as "the ticket type decides".
            return null;
        }

        var trimmed = gates.Select(g => g.Trim()).ToList();
        if (trimmed.Count > MaxGates)
        {
            errors.Add((AttendeeFields.Gates, $"at most {MaxGates} gates"));
            return null;
        }

        var bad = trimmed.Where(g => !GatePattern().IsMatch(g)).ToList();
        if (bad.Count > 0)
        {
            errors.Add((AttendeeFields.Gates, $"gate ids are 1 to 32 letters, digits, '_' or '-'; not {string.Join(", ", bad.Take(5).Select(g => $"'{Shorten(g)}'"))}"));
            return null;
        }

        return [.. trimmed.Distinct(StringComparer.Ordinal)];
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
