namespace Venue.Runtime;

public sealed class GrainRuntimeOptions
{
    /// <summary>An activation unused for this long is collected (Orleans' default is 15 minutes).</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Told of each timer tick that failed (its grain and the exception), as Orleans logs them: a timer
    /// has no caller to return a failure to. The timer keeps its schedule either way. Called on the
    /// tick's thread; an exception it throws is ignored.
    /// </summary>
    public Action<GrainId, Exception>? TimerTickFailed { get; set; }

    public void Validate()
    {
        if (CollectionAge <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CollectionAge), CollectionAge, "Collection age must be positive.");
        }

        if (CollectionQuantum <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CollectionQuantum), CollectionQuantum, "Collection quantum must be positive.");
        }
    }
}
