namespace Venue.LoadHarness.Load;

/// <summary>
/// Garbage collections in the harness' process during a phase. In-process targets (Venue, the
/// SQLite peer's driver) and the load generator itself pause with them, so they are reported.
/// </summary>
internal readonly record struct GcActivity(TimeSpan Pause, int Gen0, int Gen1, int Gen2)
{
    public static GcActivity Now() =>
        new(GC.GetTotalPauseDuration(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    public GcActivity Since(GcActivity start) =>
        new(Pause - start.Pause, Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2);

    public override string ToString() => $"{Pause.TotalMilliseconds:0} ms ({Gen0}/{Gen1}/{Gen2})";
}
