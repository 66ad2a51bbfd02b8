namespace Venue.OpsConsole.Model;

/// <summary>Finds an attendee for the console's lookup; each silo answers from what it holds.</summary>
public interface IAttendeeLookup
{
    Task<AttendeeView?> FindAsync(string attendeeId, CancellationToken cancellationToken);
}
