using Venue.Central.Silo;
using Venue.Domain.Reconciliation;
using Venue.OpsConsole.Model;

namespace Venue.Central.OpsConsole;

/// <summary>Looks attendees up in central's registry, with whether reconciliation has them inside.</summary>
public sealed class CentralAttendeeLookup(CentralSiloService host) : IAttendeeLookup
{
    public async Task<AttendeeView?> FindAsync(string attendeeId, CancellationToken cancellationToken)
    {
        var silo = host.Silo;
        if (string.IsNullOrEmpty(attendeeId) || await silo.Store.GetAttendeeAsync(attendeeId, cancellationToken) is not { } attendee)
        {
            return null;
        }

        var verdict = await silo.Grains.GetGrain<IAttendeeHistoryGrain>(attendeeId).GetVerdictAsync();
        return new AttendeeView(attendee.Id, attendee.Name, attendee.TicketType, attendee.Status.ToString().ToLowerInvariant(),
            verdict.Inside, null, null, null, null);
    }
}
