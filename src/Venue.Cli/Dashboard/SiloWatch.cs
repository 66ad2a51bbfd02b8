using System.Collections.Concurrent;
using Venue.Domain.Gates;
using Venue.Domain.Telemetry;
using Venue.Domain.Zones;
using Venue.Edge.Silo;

namespace Venue.Cli.Dashboard;

/// <summary>
/// Reads one edge silo for the dashboard: its gates' counters, its zones' occupancy and the alerts
/// raised since it started watching. Reads are grain calls like any console's; nothing here sits on the scan path.
/// </summary>
public sealed class SiloWatch : IDisposable
{
    private readonly EdgeSilo _silo;
    private readonly ConcurrentQueue<(DateTimeOffset At, string Line)> _alerts = new();
    private readonly IDisposable? _subscription;

    public SiloWatch(EdgeSilo silo)
    {
        _silo = silo;
        if (silo.Telemetry is not null)
        {
            _subscription = silo.Streams.SubscribeNamespace<ZoneAlert>(TelemetryStreams.ZoneAlerts, e =>
            {
                var a = e.Item;
                _alerts.Enqueue((a.At, $"{a.At:HH:mm:ss} {silo.EdgeId} {a.ZoneId}: {(a.Raised ? "raised" : "cleared")} {a.Level} at {a.Occupancy:N0}/{a.Capacity:N0}"));
                while (_alerts.Count > 50 && _alerts.TryDequeue(out _))
                {
                }

                return Task.CompletedTask;
            });
        }
    }

    /// <summary>The latest alerts of one or more edges, oldest first, so the newest of every edge are at the end.</summary>
    public static IReadOnlyList<string> LatestAlerts(IEnumerable<SiloWatch> watches) =>
        [.. watches.SelectMany(w => w._alerts).OrderBy(a => a.At).Select(a => a.Line)];

    public async Task<(IReadOnlyList<GateRow> Gates, IReadOnlyList<ZoneRow> Zones)> ReadAsync()
    {
        var gates = await Task.WhenAll(_silo.Gates.All.Select(g => _silo.GetGateStatusAsync(g.Id)));
        var zones = _silo.Telemetry is { } telemetry
            ? await Task.WhenAll(telemetry.Layout.Zones.Select(z => _silo.Grains.GetGrain<IZoneGrain>(z.Id).GetStatusAsync()))
            : [];
        return ([.. gates.Select(Row)], [.. zones.Select(z => new ZoneRow(_silo.EdgeId, z.ZoneId, z.Occupancy, z.Capacity, z.Level.ToString()))]);
    }

    private GateRow Row(GateStatus g)
    {
        var top = g.ByReason.Where(kv => kv.Key is not ("admitted" or "exited")).OrderByDescending(kv => kv.Value).FirstOrDefault();
        return new GateRow(_silo.EdgeId, g.GateId, g.Open, g.Admitted, g.Exited, g.Refused, top.Key is null ? "" : $"{top.Key} ({top.Value:N0})");
    }

    public void Dispose() => _subscription?.Dispose();
}
