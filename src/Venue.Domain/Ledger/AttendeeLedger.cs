using System.Collections.Concurrent;
using Venue.Domain.Tickets;

namespace Venue.Domain.Ledger;

/// <summary>
/// The attendees an edge knows, with the event's public keys, ticket types and revoked tokens.
/// Loaded from a snapshot (<see cref="LedgerSnapshot"/>); later issues apply deltas from central.
/// </summary>
public sealed class AttendeeLedger
{
    private readonly ConcurrentDictionary<string, AttendeeRecord> _attendees;
    private readonly ConcurrentDictionary<UInt128, byte> _revokedTokens = new();
    private readonly Dictionary<string, TicketType> _ticketTypes;
    private readonly TicketType[] _ticketTypeList;

    public AttendeeLedger(string eventId, IEnumerable<TicketType> ticketTypes, TicketKeyRing keys, int capacity = 1024)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        EventId = eventId;
        Keys = keys;
        _ticketTypeList = [.. ticketTypes];
        _ticketTypes = _ticketTypeList.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _attendees = new ConcurrentDictionary<string, AttendeeRecord>(Environment.ProcessorCount, capacity, StringComparer.Ordinal);
    }

    public string EventId { get; }

    public TicketKeyRing Keys { get; }

    /// <summary>The ledger version this copy reflects (central's counter; 0 for a generated demo ledger).</summary>
    public long Version { get; set; }

    public int Count => _attendees.Count;

    public IReadOnlyList<TicketType> TicketTypes => _ticketTypeList;

    public bool TryGetTicketType(string name, out TicketType ticketType) => _ticketTypes.TryGetValue(name, out ticketType!);

    public bool TryGet(string attendeeId, out AttendeeRecord record) => _attendees.TryGetValue(attendeeId, out record!);

    public void Upsert(AttendeeRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!_ticketTypes.ContainsKey(record.TicketType.Name))
        {
            throw new ArgumentException($"Attendee '{record.Id}' has unknown ticket type '{record.TicketType.Name}'.", nameof(record));
        }

        _attendees[record.Id] = record;
    }

    /// <summary>
    /// Adds an attendee read from a snapshot, where an id may appear once: a change from central
    /// replaces its attendee (<see cref="Upsert"/>), but two lines of one snapshot for the same id are
    /// a broken file. False, with the record already held, when the id is taken.
    /// </summary>
    internal bool TryAddFromSnapshot(AttendeeRecord record, out AttendeeRecord existing)
    {
        existing = _attendees.GetOrAdd(record.Id, record);
        return ReferenceEquals(existing, record);
    }

    public void RevokeToken(UInt128 tokenHash) => _revokedTokens[tokenHash] = 0;

    public bool IsTokenRevoked(UInt128 tokenHash) => _revokedTokens.ContainsKey(tokenHash);

    public IEnumerable<UInt128> RevokedTokens => _revokedTokens.Keys;

    public IEnumerable<AttendeeRecord> Attendees => _attendees.Values;
}
