using Venue.Domain.CheckIn;
using Venue.Runtime;

namespace Venue.Domain.Gates;

[GrainType("gate")]
public interface IGateGrain : IGrainWithStringKey
{
    /// <summary>The first answer to a scan whose badge named nobody, if this gate gave one on that nonce and direction.</summary>
    [ReadOnly]
    Task<ScanResult?> RecallRefusalAsync(ScanDirection direction, string nonce);

    /// <summary>
    /// Remembers and counts a journaled refusal of a badge that names nobody, and returns it; if the
    /// gate already holds an answer on that nonce and direction, that first answer comes back instead.
    /// </summary>
    Task<ScanResult> RememberRefusalAsync(ScanDirection direction, ScanResult result);

    /// <summary>Counts a scan that an attendee's grain answered. Callers need not wait for it.</summary>
    Task RecordAsync(ScanResult result);

    [ReadOnly]
    Task<GateStatus> GetStatusAsync();
}
