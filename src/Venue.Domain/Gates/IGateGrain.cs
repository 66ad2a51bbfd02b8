using Venue.Domain.CheckIn;
using Venue.Runtime;

namespace Venue.Domain.Gates;

[GrainType("gate")]
public interface IGateGrain : IGrainWithStringKey
{
    /// <summary>
    /// Refuses and journals a scan whose badge names no attendee (unreadable, forged, another
    /// event's); a repeated nonce returns the first answer.
    /// </summary>
    Task<ScanResult> RefuseAsync(ScanRequest request, ScanReason reason);

    /// <summary>Counts a scan that an attendee's grain answered. Callers need not wait for it.</summary>
    Task RecordAsync(ScanResult result);

    [ReadOnly]
    Task<GateStatus> GetStatusAsync();
}
