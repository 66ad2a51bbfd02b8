using Venue.Domain.Gates;
using Venue.Simulation.Network;

namespace Venue.Simulation;

/// <summary>One edge of a <see cref="SimulatedVenue"/>: its host, its proxy to central, its gates and their scanners' tokens.</summary>
public sealed class SimulatedEdge(
    string edgeId,
    EdgeWebHost host,
    FaultProxy proxy,
    IReadOnlyList<GateDefinition> gates,
    IReadOnlyDictionary<string, string> scannerTokens,
    string dataDirectory,
    string deskToken,
    IReadOnlyDictionary<string, string> boothTokens,
    string opsToken,
    Domain.Layout.VenueLayout? layout) : IAsyncDisposable
{
    private int _disposed;

    public string EdgeId { get; } = edgeId;

    public EdgeWebHost Host { get; } = host;

    /// <summary>The edge's only way to central: partition it to cut this edge off.</summary>
    public FaultProxy Proxy { get; } = proxy;

    public IReadOnlyList<GateDefinition> Gates { get; } = gates;

    /// <summary>Bearer token of the one scanner registered per gate, by gate id.</summary>
    public IReadOnlyDictionary<string, string> ScannerTokens { get; } = scannerTokens;

    public string DataDirectory { get; } = dataDirectory;

    /// <summary>A scanner credential for the challenge desk on this edge's floor.</summary>
    public string DeskToken { get; } = deskToken;

    /// <summary>Each booth app's scanner credential (named <c>booth:{boothId}</c>), by booth id.</summary>
    public IReadOnlyDictionary<string, string> BoothTokens { get; } = boothTokens;

    /// <summary>An ops credential, to sign in to this edge's console while the simulation runs.</summary>
    public string OpsToken { get; } = opsToken;

    /// <summary>The floor this edge's readers watch; null when the run has no crowd.</summary>
    public Domain.Layout.VenueLayout? Layout { get; } = layout;

    public string JournalPath => Path.Combine(DataDirectory, "journal.db");

    /// <summary>Stops the edge (its uplink first), then its proxy.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await Host.DisposeAsync();
        await Proxy.DisposeAsync();
    }
}
