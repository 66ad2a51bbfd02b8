namespace Venue.Runtime.Storage;

/// <summary>A state write or clear carried an etag that no longer matches the stored one.</summary>
public sealed class InconsistentStateException(GrainId grainId, string? expectedEtag, string? storedEtag)
    : Exception($"Stale state for {grainId}: the write expected etag '{expectedEtag ?? "(none)"}' but storage holds '{storedEtag ?? "(none)"}'.")
{
    public GrainId GrainId { get; } = grainId;
    public string? ExpectedEtag { get; } = expectedEtag;
    public string? StoredEtag { get; } = storedEtag;
}
