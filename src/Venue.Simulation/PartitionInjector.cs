using System.Diagnostics;
using Venue.Edge.Sync;

namespace Venue.Simulation;

/// <summary>
/// Cuts one edge off from central at the window's start and heals it at its end, on the rush's
/// clock, through the edge's <see cref="Network.FaultProxy"/>. It notes what the edge held that
/// central lacked at the heal, then how long the edge took to catch up both ways: central holding
/// every entry journaled before the heal, and the edge having read every passage central held at
/// the heal (what the other edges did meanwhile).
/// </summary>
internal sealed class PartitionInjector(SimulatedVenue venue, PartitionWindow window)
{
    public PartitionWindow Window { get; } = window;

    public TimeSpan? CutAt { get; private set; }

    public TimeSpan? HealedAt { get; private set; }

    public int ConnectionsCut { get; private set; }

    /// <summary>Central's gap-free copy of the edge's journal ended here at the heal ...</summary>
    public long HeldAtHeal { get; private set; }

    /// <summary>... and the edge's journal here: what lies between was buffered by the partition.</summary>
    public long LastAtHeal { get; private set; }

    /// <summary>From the heal until the edge had caught up both ways (the later of the two below).</summary>
    public TimeSpan? CatchUp { get; private set; }

    /// <summary>From the heal until central held every entry the edge journaled before it.</summary>
    public TimeSpan? UploadCatchUp { get; private set; }

    /// <summary>From the heal until the edge had read every passage central held at the heal.</summary>
    public TimeSpan? FeedCatchUp { get; private set; }

    /// <summary>Wall-clock times of the cut and of the catch-up, comparable with journal entries' times.</summary>
    public DateTimeOffset? CutAtUtc { get; private set; }

    public DateTimeOffset? CaughtUpAtUtc { get; private set; }

    /// <summary>Says, for the progress display, whether the edge is cut off now.</summary>
    public string? Describe() => CutAt is not null && HealedAt is null ? $"{Window.Edge} cut off from central" : null;

    public async Task RunAsync(Stopwatch rush, CancellationToken cancellationToken)
    {
        var edge = venue.Edge(Window.Edge);
        await UntilAsync(rush, Window.From, cancellationToken);
        ConnectionsCut = edge.Proxy.Partition();
        CutAt = rush.Elapsed;
        CutAtUtc = TimeProvider.System.GetUtcNow();

        await UntilAsync(rush, Window.To, cancellationToken);
        LastAtHeal = edge.Host.Silo.Journal.LastSequence;
        HeldAtHeal = await venue.Central.Silo.Store.GetContiguousSequenceAsync(edge.EdgeId, cancellationToken);
        var feedAtHeal = venue.Central.Silo.Feed.FeedId;
        edge.Proxy.Heal();
        HealedAt = rush.Elapsed;
        var healedAtUtc = TimeProvider.System.GetUtcNow();
        var healed = Stopwatch.StartNew();

        var sync = edge.Host.Silo.Sync ?? throw new InvalidOperationException($"Edge {edge.EdgeId} is not syncing with central.");
        var last = LastAtHeal;
        async Task<TimeSpan> CaughtUpAsync(Func<SyncStatus, bool> condition)
        {
            await sync.WaitForAsync(condition, cancellationToken);
            return healed.Elapsed;
        }

        var up = CaughtUpAsync(s => s.UploadedSequence >= last);
        var down = CaughtUpAsync(s => s.PassagesCursor >= feedAtHeal);
        UploadCatchUp = await up;
        FeedCatchUp = await down;
        CatchUp = UploadCatchUp > FeedCatchUp ? UploadCatchUp : FeedCatchUp;
        CaughtUpAtUtc = healedAtUtc + CatchUp.Value;
    }

    /// <summary>
    /// Whether a journal entry of <paramref name="edgeId"/> was held up by the partition: buffered
    /// when the link was cut, or journaled between the cut and the end of the catch-up.
    /// </summary>
    public bool HeldUp(string edgeId, long sequence, DateTimeOffset at) =>
        edgeId == Window.Edge && CutAtUtc is { } cut
        && ((sequence > HeldAtHeal && sequence <= LastAtHeal) || (at >= cut && (CaughtUpAtUtc is not { } caughtUp || at <= caughtUp)));

    private static async Task UntilAsync(Stopwatch rush, TimeSpan at, CancellationToken cancellationToken)
    {
        var wait = at - rush.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            // The rush's own schedule, as the scans keep theirs: this is the plan, not a guess at readiness.
            await Task.Delay(wait, cancellationToken);
        }
    }
}
