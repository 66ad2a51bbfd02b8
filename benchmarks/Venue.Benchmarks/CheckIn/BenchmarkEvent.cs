using Venue.Domain.Gates;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;

namespace Venue.Benchmarks.CheckIn;

/// <summary>A small real event: a signing key, a ledger of attendees with signed badges, one open gate.</summary>
internal sealed class BenchmarkEvent : IDisposable
{
    public const string EventId = "bench-event";
    public const string KeyId = "bench-key";

    private BenchmarkEvent(TicketSigningKey key, AttendeeLedger ledger, string[] tokens, GateDefinition gate)
    {
        Key = key;
        Ledger = ledger;
        Tokens = tokens;
        Gate = gate;
    }

    public TicketSigningKey Key { get; }

    public AttendeeLedger Ledger { get; }

    /// <summary>Attendee i's current badge token.</summary>
    public string[] Tokens { get; }

    public GateDefinition Gate { get; }

    public static BenchmarkEvent Create(int attendees, bool reentry)
    {
        var key = TicketSigningKey.Create(KeyId);
        var keys = new TicketKeyRing();
        keys.Add(KeyId, key.ExportPublicKey());
        var ticketType = new TicketType("general", reentry, Gates: null);
        var ledger = new AttendeeLedger(EventId, [ticketType], keys, attendees);
        var tokens = new string[attendees];
        for (var i = 0; i < attendees; i++)
        {
            var id = $"A{i:D7}";
            tokens[i] = key.Issue(new BadgeClaims(KeyId, EventId, id, ticketType.Name, 0, 0));
            ledger.Upsert(new AttendeeRecord(id, $"Attendee {i}", ticketType, 0, 0, AttendeeStatus.Active, TokenHash.Of(tokens[i]), null));
        }

        return new BenchmarkEvent(key, ledger, tokens, new GateDefinition("north-1", "North entrance, lane 1"));
    }

    /// <summary>A genuine badge of this event for someone the ledger does not know yet (a late registration).</summary>
    public string IssueUnlisted(int index) =>
        Key.Issue(new BadgeClaims(KeyId, EventId, $"L{index:D7}", "general", 0, 0));

    public void Dispose() => Key.Dispose();
}
