using Venue.Domain.Layout;
using Venue.Domain.Readers;
using Venue.Runtime;

namespace Venue.Domain.Portals;

/// <summary>
/// Hands journaled reads to their portals: (reader, antenna) names the portal. Used live after each
/// journal append and to replay the journal on restart; portals are called one after another, in
/// the order they first appear in the batch, so the same batches always give the same movements.
/// A batch is cut where a badge read at one portal turns up at another, so each badge's passes reach
/// their portals in the order read, however the journal's reads were batched (live or in a replay).
/// </summary>
public sealed class PortalReadRouter(VenueLayout layout, IGrainFactory grains)
{
    // A replay's portals with passes open, and when each may first have one gone quiet (a lower bound).
    private readonly Dictionary<string, DateTimeOffset> _idleDue = new(StringComparer.Ordinal);
    private DateTimeOffset? _nextIdleDue;

    /// <summary>In a replay, the earliest time by the journal's clock at which an open pass may have gone quiet (null: none open).</summary>
    public DateTimeOffset? NextIdleDue => _nextIdleDue;

    /// <summary>Live: the portals' timers decide the passes left open.</summary>
    public Task<RoutedReads> RouteAsync(IReadOnlyList<JournaledRead> reads) => RouteAsync(reads, replay: false);

    /// <summary>
    /// A journal replay's batch: the portals keep no timers; the replay calls <see cref="SweepIdleAsync"/>
    /// whenever its clock reaches <see cref="NextIdleDue"/>, before the next batch, fact or gate passage.
    /// </summary>
    public Task<RoutedReads> ReplayAsync(IReadOnlyList<JournaledRead> reads) => RouteAsync(reads, replay: true);

    /// <summary>In a replay: decides at every portal the passes quiet at <paramref name="now"/>, as the portals' timers did live.</summary>
    public async Task<RoutedReads> SweepIdleAsync(DateTimeOffset now)
    {
        var movements = 0;
        List<Exception>? failures = null;
        foreach (var (portalId, due) in _idleDue.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToList())
        {
            if (due > now)
            {
                break;
            }

            var (moved, failure) = await CallAsync(portalId, now, p => p.SweepIdleAsync(now), replay: true);
            movements += moved;
            if (failure is not null)
            {
                (failures ??= []).Add(failure);
            }
        }

        return new RoutedReads(0, 0, movements, failures ?? []);
    }

    private async Task<RoutedReads> RouteAsync(IReadOnlyList<JournaledRead> reads, bool replay)
    {
        ArgumentNullException.ThrowIfNull(reads);
        var byPortal = new Dictionary<string, List<JournaledRead>>(StringComparer.Ordinal);
        var order = new List<string>();
        // Which portal each badge was read at in the segment so far: one badge at two portals cuts it.
        var portalOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var unrouted = 0;
        var movements = 0;
        List<Exception>? failures = null;

        async Task CallSegmentAsync()
        {
            foreach (var portalId in order)
            {
                var batch = byPortal[portalId];
                var (moved, failure) = await CallAsync(portalId, batch[^1].ReceivedAt, p => replay ? p.ReplayAsync(batch) : p.ObserveAsync(batch), replay);
                movements += moved;
                if (failure is not null)
                {
                    (failures ??= []).Add(failure);
                }
            }

            byPortal.Clear();
            order.Clear();
            portalOf.Clear();
        }

        foreach (var read in reads)
        {
            if (!layout.TryGetPortal(read.Read.ReaderId, read.Read.Antenna, out var portal))
            {
                unrouted++;
                continue;
            }

            // A badge read at two portals (one reader may serve two doorways) within a batch: its earlier
            // pass must reach its portal before the later one reaches the other, or the earlier one
            // arrives out of order and never counts. The portals before the cut get their reads first.
            if (portalOf.TryGetValue(read.Read.Epc, out var seenAt) && !string.Equals(seenAt, portal.Id, StringComparison.Ordinal))
            {
                await CallSegmentAsync();
            }

            portalOf[read.Read.Epc] = portal.Id;
            if (!byPortal.TryGetValue(portal.Id, out var list))
            {
                byPortal[portal.Id] = list = [];
                order.Add(portal.Id);
            }

            list.Add(read);
        }

        await CallSegmentAsync();
        return new RoutedReads(reads.Count - unrouted, unrouted, movements, failures ?? []);
    }

    /// <summary>Calls one portal: its failure is returned, not thrown, so the portals after it still get theirs (the reads are journaled either way).</summary>
    private async Task<(int Movements, Exception? Failure)> CallAsync(string portalId, DateTimeOffset now, Func<IPortalGrain, Task<PortalBatchResult>> call, bool replay)
    {
        try
        {
            var result = await call(grains.GetGrain<IPortalGrain>(portalId));
            if (replay)
            {
                NoteIdleDue(portalId, result.IdleDue);
            }

            return (result.Movements, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (replay)
            {
                // What is still open is unknown: look again at the next step of the replay.
                NoteIdleDue(portalId, now);
            }

            return ((e as PortalMovesFailedException)?.Moved ?? 0, e);
        }
    }

    private void NoteIdleDue(string portalId, DateTimeOffset? due)
    {
        if (due is { } at)
        {
            _idleDue[portalId] = at;
        }
        else
        {
            _idleDue.Remove(portalId);
        }

        _nextIdleDue = _idleDue.Count == 0 ? null : _idleDue.Values.Min();
    }

    /// <summary>Decides every open pass at every portal: call it once a journal replay has fed its last read.</summary>
    public async Task<RoutedReads> FlushAsync()
    {
        var movements = 0;
        List<Exception>? failures = null;
        _idleDue.Clear();
        _nextIdleDue = null;
        foreach (var portal in layout.Portals)
        {
            try
            {
                movements += (await grains.GetGrain<IPortalGrain>(portal.Id).FlushAsync()).Movements;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                movements += (e as PortalMovesFailedException)?.Moved ?? 0;
                (failures ??= []).Add(e);
            }
        }

        return new RoutedReads(0, 0, movements, failures ?? []);
    }
}

/// <summary>
/// Reads handed to portals, reads from an unknown reader or antenna, movements applied, and what
/// failed: a <see cref="PortalMovesFailedException"/> per portal some of whose passes did not apply,
/// or the error of a portal that failed outright. The other portals' reads were applied all the same.
/// </summary>
public sealed record RoutedReads(int Routed, int Unrouted, int Movements, IReadOnlyList<Exception> Failures);
