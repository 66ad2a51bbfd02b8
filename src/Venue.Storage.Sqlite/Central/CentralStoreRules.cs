using Venue.Domain.Central;
using Venue.Domain.Journal;

namespace Venue.Storage.Central;

/// <summary>
/// What both central stores decide the same way, whatever the database: input checks, the shape of
/// a ledger page, lateness. Compiled into the SQLite and the PostgreSQL adapter (linked from the
/// latter), so the two cannot drift apart.
/// </summary>
internal static class CentralStoreRules
{
    public const int MaxNameLength = 100;

    /// <summary>The attendees to write, one per id (the last given wins), checked before anything is written.</summary>
    public static List<RegisteredAttendee> Attendees(IReadOnlyList<RegisteredAttendee> attendees)
    {
        ArgumentNullException.ThrowIfNull(attendees);
        var byId = new Dictionary<string, int>(StringComparer.Ordinal);
        var rows = new List<RegisteredAttendee>(attendees.Count);
        foreach (var a in attendees)
        {
            if (a is null || string.IsNullOrEmpty(a.Id) || a.Name is null || string.IsNullOrEmpty(a.TicketType) || a.Token is null)
            {
                throw new ArgumentException("Every attendee needs an id, a name, a ticket type and a token.", nameof(attendees));
            }

            if (byId.TryGetValue(a.Id, out var index))
            {
                rows[index] = a;
            }
            else
            {
                byId[a.Id] = rows.Count;
                rows.Add(a);
            }
        }

        return rows;
    }

    public static List<UInt128> Tokens(IReadOnlyList<UInt128> revokedTokens)
    {
        ArgumentNullException.ThrowIfNull(revokedTokens);
        return [.. revokedTokens.Distinct()];
    }

    /// <summary>
    /// Cuts one page of ledger changes from rows read in one snapshot: <paramref name="attendees"/>
    /// after the version in version order (up to limit + 1) and <paramref name="tokens"/> in version
    /// order up to the limit-th attendee's version (up to limit + 1). The page ends where either list
    /// overflows; otherwise it reaches <paramref name="current"/>, the snapshot's ledger version.
    /// </summary>
    public static LedgerChanges LedgerPage(
        List<RegisteredAttendee> attendees,
        List<(UInt128 Hash, long Version)> tokens,
        int limit,
        long current)
    {
        var end = long.MaxValue;
        if (attendees.Count > limit)
        {
            end = attendees[limit - 1].Version;
        }

        if (tokens.Count > limit)
        {
            end = Math.Min(end, tokens[limit - 1].Version);
        }

        if (end == long.MaxValue)
        {
            return new LedgerChanges(current, attendees, [.. tokens.Select(t => t.Hash)], More: false);
        }

        return new LedgerChanges(
            end,
            [.. attendees.Where(a => a.Version <= end)],
            [.. tokens.Where(t => t.Version <= end).Select(t => t.Hash)],
            More: true);
    }

    /// <summary>The entries of an upload in sequence order, one per sequence (the first given wins).</summary>
    public static List<JournalEntry> Entries(string edgeId, IReadOnlyList<JournalEntry> entries)
    {
        ArgumentException.ThrowIfNullOrEmpty(edgeId);
        ArgumentNullException.ThrowIfNull(entries);
        var ordered = new List<JournalEntry>(entries.Count);
        var seen = new HashSet<long>();
        foreach (var e in entries)
        {
            if (e is null || e.Sequence <= 0 || string.IsNullOrEmpty(e.GateId) || e.Nonce is null)
            {
                throw new ArgumentException("Every entry needs a positive sequence, a gate and a nonce.", nameof(entries));
            }

            if (seen.Add(e.Sequence))
            {
                ordered.Add(WithoutNul(e));
            }
        }

        ordered.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        return ordered;
    }

    /// <summary>
    /// The entry with any NUL in its text replaced by U+FFFD. PostgreSQL text cannot hold NUL, and an
    /// edge whose journal has one (scanner APIs before they refused it) would otherwise have every
    /// upload fail, and its sync stop for the rest of the event; both stores store the same text.
    /// </summary>
    private static JournalEntry WithoutNul(JournalEntry e)
    {
        static bool HasNul(string? text) => text?.Contains('\0', StringComparison.Ordinal) == true;
        static string? Clean(string? text) => text?.Replace('\0', '\uFFFD');
        return HasNul(e.Nonce) || HasNul(e.GateId) || HasNul(e.AttendeeId) || HasNul(e.TicketType)
            ? e with { Nonce = Clean(e.Nonce)!, GateId = Clean(e.GateId)!, AttendeeId = Clean(e.AttendeeId), TicketType = Clean(e.TicketType) }
            : e;
    }

    public static bool IsLate(DateTimeOffset receivedAt, JournalEntry entry, TimeSpan lateAfter) => receivedAt - entry.At > lateAfter;

    /// <summary>The conflicts of one attendee, one per key (the first given wins).</summary>
    public static List<Conflict> Conflicts(string attendeeId, IReadOnlyList<Conflict> current)
    {
        ArgumentException.ThrowIfNullOrEmpty(attendeeId);
        ArgumentNullException.ThrowIfNull(current);
        if (current.Any(c => c is null || c.AttendeeId != attendeeId))
        {
            throw new ArgumentException($"Every conflict must be of attendee '{attendeeId}'.", nameof(current));
        }

        return [.. current.DistinctBy(c => c.Key, StringComparer.Ordinal)];
    }

    public static void CheckApiKey(string name, IReadOnlyList<string> scopes, int requestsPerMinute)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(scopes);
        if (scopes.FirstOrDefault(s => !ApiScope.IsKnown(s)) is { } unknown)
        {
            throw new ArgumentException($"'{unknown}' is not an API scope.", nameof(scopes));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requestsPerMinute);
    }

    public static void CheckWebhook(string url, IReadOnlyList<string> eventTypes, string secret)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("A webhook URL is an absolute http or https URL.", nameof(url));
        }

        ArgumentNullException.ThrowIfNull(eventTypes);
        if (eventTypes.Count == 0 || eventTypes.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("A webhook subscribes to at least one event type.", nameof(eventTypes));
        }

        ArgumentException.ThrowIfNullOrEmpty(secret);
    }

    public static void CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength)
        {
            throw new ArgumentException($"A name is 1 to {MaxNameLength} characters.", nameof(name));
        }
    }

    /// <summary>A random id for a stored record (webhooks): 16 hex digits.</summary>
    public static string NewId() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
}
