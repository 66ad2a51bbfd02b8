using Venue.Edge.Silo;
using Venue.OpsConsole.Model;

namespace Venue.Edge.OpsConsole;

/// <summary>Looks attendees up in the edge's ledger, with their presence from the attendee's grain.</summary>
public sealed class EdgeAttendeeLookup(EdgeSiloService host) : IAttendeeLookup
{
    public async Task<AttendeeView?> FindAsync(string attendeeId, CancellationToken cancellationToken)
    {
        var silo = host.Silo;
        if (string.IsNullOrEmpty(attendeeId) || !silo.Ledger.TryGet(attendeeId, out var record))
        {
            return null;
        }

        var presence = await silo.GetPresenceAsync(attendeeId);
        return new AttendeeView(record.Id, record.Name, record.TicketType.Name, record.Status.ToString().ToLowerInvariant(),
            presence.Inside, presence.Entries, presence.Exits, presence.LastGate, presence.LastPassageAt);
    }
}
