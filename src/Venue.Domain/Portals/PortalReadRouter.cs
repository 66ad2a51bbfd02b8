using Venue.Domain.Layout;
using Venue.Domain.Readers;
using Venue.Runtime;

namespace Venue.Domain.Portals;

/// <summary>
/// Hands journaled reads to their portals: (reader, antenna) names the portal. Used live after each
/// journal append and to replay the journal on restart; portals are called one after another, in
/// the order they first appear in the batch, so the same batches always give the same movements.
/// </summary>
public sealed class PortalReadRouter(VenueLayout layout, IGrainFactory grains)
{
    public async Task<RoutedReads> RouteAsync(IReadOnlyList<JournaledRead> reads)
    {
        ArgumentNullException.ThrowIfNull(reads);
        var byPortal = new Dictionary<string, List<JournaledRead>>(StringComparer.Ordinal);
        var order = new List<string>();
        var unrouted = 0;
        foreach (var read in reads)
        {
            if (!layout.TryGetPortal(read.Read.ReaderId, read.Read.Antenna, out var portal))
            {
                unrouted++;
                continue;
            }

            if (!byPortal.TryGetValue(portal.Id, out var list))
            {
                byPortal[portal.Id] = list = [];
                order.Add(portal.Id);
            }

            list.Add(read);
        }

        var movements = 0;
        List<Exception>? failures = null;
        foreach (var portalId in order)
        {
            // A portal that fails must not keep the batch from the portals after it: the reads are journaled either way.
            try
            {
                movements += (await grains.GetGrain<IPortalGrain>(portalId).ObserveAsync(byPortal[portalId])).Movements;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                movements += (e as PortalMovesFailedException)?.Moved ?? 0;
                (failures ??= []).Add(e);
            }
        }

        return new RoutedReads(reads.Count - unrouted, unrouted, movements, failures ?? []);
    }

    /// <summary>Decides every open pass at every portal: call it once a journal replay has fed its last read.</summary>
    public async Task<RoutedReads> FlushAsync()
    {
        var movements = 0;
        List<Exception>? failures = null;
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
