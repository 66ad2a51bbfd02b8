using Venue.Domain.CheckIn;
using Venue.Runtime;

namespace Venue.Domain.Gates;

[GrainType("gate")]
public interface IGateGrain : IGrainWithStringKey
{
    /// <summary>Validates a badge and admits, lets out or refuses; a repeated nonce returns the first answer.</summary>
    Task<ScanResult> ScanAsync(ScanRequest request);

    [ReadOnly]
    Task<GateStatus> GetStatusAsync();
}
