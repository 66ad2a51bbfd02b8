using Venue.Domain.Ledger;
using Venue.Domain.Tickets;

namespace Venue.Domain.Tests;

/// <summary>
/// A small event built in code: one signing key (k1), three ticket types and a ledger that holds
/// the key's public half (or no key at all, to prove what works without one).
/// </summary>
internal sealed class TestEvent : IDisposable
{
    public const string EventId = "expo-2030";

    /// <summary>The server's clock reading at the start of every test.</summary>
    public static readonly DateTimeOffset Now = new(2030, 6, 1, 9, 0, 0, TimeSpan.Zero);

    public static readonly TicketType General = new("general", Reentry: true, Gates: null);
    public static readonly TicketType DayPass = new("day-pass", Reentry: false, Gates: null);
    public static readonly TicketType Vip = new("vip", Reentry: true, Gates: ["north", "vip-lounge"]);

    public TestEvent(bool ledgerHoldsKey = true)
    {
        Key = TicketSigningKey.Create("k1");
        var keys = new TicketKeyRing();
        if (ledgerHoldsKey)
        {
            keys.Add(Key.KeyId, Key.ExportPublicKey());
        }

        Ledger = new AttendeeLedger(EventId, [General, DayPass, Vip], keys);
    }

    public TicketSigningKey Key { get; }

    public AttendeeLedger Ledger { get; }

    public static long Unix(DateTimeOffset time) => time.ToUnixTimeSeconds();

    /// <summary>A badge signed with k1; by default for this event and unbounded in time.</summary>
    public string Issue(string attendeeId, string ticketType = "general", long validFrom = 0, long validUntil = 0, string eventId = EventId) =>
        Key.Issue(new BadgeClaims(Key.KeyId, eventId, attendeeId, ticketType, validFrom, validUntil));

    /// <summary>Puts an attendee in the ledger with a freshly issued badge, and returns that badge.</summary>
    public string Register(string attendeeId, TicketType? ticketType = null, long validFrom = 0, long validUntil = 0,
        AttendeeStatus status = AttendeeStatus.Active, string[]? gates = null)
    {
        var type = ticketType ?? General;
        var token = Issue(attendeeId, type.Name, validFrom, validUntil);
        Ledger.Upsert(new AttendeeRecord(attendeeId, $"Attendee {attendeeId}", type, validFrom, validUntil, status, TokenHash.Of(token), gates));
        return token;
    }

    public void Dispose() => Key.Dispose();
}
