using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Simulation;

namespace Venue.Edge.Tests.Infrastructure;

/// <summary>
/// A hand-made ledger for one test: attendees with exactly the properties a case needs, each with a
/// real ECDSA-signed badge, written as a venue-ledger/1 snapshot the edge loads.
/// </summary>
public sealed class TestLedger : IDisposable
{
    public const string EventId = "test-event";

    private readonly List<LedgerAttendee> _attendees = [];
    private readonly List<string> _revokedTokens = [];

    public TicketSigningKey Key { get; } = TicketSigningKey.Create("k1");

    /// <summary>Every badge is valid from yesterday until tomorrow unless a case says otherwise.</summary>
    public static DateTimeOffset DefaultFrom => DateTimeOffset.UtcNow.AddDays(-1);

    public static DateTimeOffset DefaultUntil => DateTimeOffset.UtcNow.AddDays(1);

    /// <summary>Adds an attendee to the ledger and returns their current badge token.</summary>
    public string Add(string id, string ticketType = "general", DateTimeOffset? validFrom = null, DateTimeOffset? validUntil = null,
        AttendeeStatus status = AttendeeStatus.Active, string? currentToken = null, string name = "")
    {
        var from = validFrom ?? DefaultFrom;
        var until = validUntil ?? DefaultUntil;
        var token = currentToken ?? Issue(id, ticketType, from, until);
        _attendees.Add(new LedgerAttendee(id, name.Length > 0 ? name : $"Attendee {id}", ticketType,
            DateTimeOffset.FromUnixTimeSeconds(from.ToUnixTimeSeconds()), DateTimeOffset.FromUnixTimeSeconds(until.ToUnixTimeSeconds()),
            status == AttendeeStatus.Revoked ? "revoked" : "active", TokenHash.Format(TokenHash.Of(token)), null));
        return token;
    }

    /// <summary>Signs a badge with this ledger's key without adding anyone to the ledger.</summary>
    public string Issue(string attendeeId, string ticketType = "general", DateTimeOffset? validFrom = null, DateTimeOffset? validUntil = null,
        string eventId = EventId) =>
        Key.Issue(new BadgeClaims(Key.KeyId, eventId, attendeeId, ticketType,
            (validFrom ?? DefaultFrom).ToUnixTimeSeconds(), (validUntil ?? DefaultUntil).ToUnixTimeSeconds()));

    /// <summary>Puts a token on the ledger's revocation list.</summary>
    public void RevokeToken(string token) => _revokedTokens.Add(TokenHash.Format(TokenHash.Of(token)));

    public async Task WriteAsync(string path)
    {
        var header = new LedgerHeader(LedgerSnapshot.Format, EventId, "Test event", 1, DateTimeOffset.UtcNow,
            [new LedgerKey(Key.KeyId, Convert.ToBase64String(Key.ExportPublicKey()))],
            [.. EventGenerator.TicketTypes.Select(t => new LedgerTicketType(t.Name, t.Reentry, t.Gates))],
            _revokedTokens);
        await using var file = File.Create(path);
        await LedgerSnapshot.WriteAsync(file, header, _attendees);
    }

    public void Dispose() => Key.Dispose();
}
