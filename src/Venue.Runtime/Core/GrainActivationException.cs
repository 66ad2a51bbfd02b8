namespace Venue.Runtime;

/// <summary>A call could not run because the grain failed to activate (reading state or OnActivateAsync threw).</summary>
public sealed class GrainActivationException(GrainId grainId, Exception inner)
    : Exception($"Grain {grainId} failed to activate: {inner.Message}", inner)
{
    public GrainId GrainId { get; } = grainId;
}
