using System.Globalization;
using Venue.Domain.CheckIn;
using Venue.Edge.Silo;

namespace Venue.LoadHarness.Targets.Venue;

/// <summary>
/// Venue's in-process check-in path: <see cref="EdgeSilo.ScanAsync"/> on an edge silo started over
/// the ledger and a data directory: gate grain, attendee grain, and an answer only once the scan is
/// in the SQLite journal (WAL, synchronous=FULL, group commit). No network.
/// </summary>
internal sealed class VenueInProcessTarget : ICheckInTarget
{
    private static long _nonce;
    private readonly List<string> _facts = [];
    private VenueEvent _event = null!;
    private TargetSetup _setup = null!;
    private EdgeSilo? _silo;
    private string[] _gateIds = [];
    private int _generation;

    public string Name => "venue-inproc";

    public string Description =>
        "EdgeSilo.ScanAsync in process: gate grain, attendee grain, answered after the SQLite journal commit (WAL, synchronous=FULL, group commit)";

    public IReadOnlyList<string> Facts => _facts;

    public async Task StartAsync(TargetSetup setup, CancellationToken cancellationToken)
    {
        _setup = setup;
        _event = await VenueEvent.ForAsync(setup.Ledger, setup.Gates, cancellationToken);
        _gateIds = _event.Gates.Select(g => g.Id).ToArray();
        await StartSiloAsync();
        _facts.Add($"edge cold start {_silo!.Startup.Total.TotalMilliseconds:N0} ms for {_silo.Startup.Attendees:N0} attendees (ledger in memory)");
    }

    public Task<bool> CheckInAsync(int attendeeIndex, int gate, CancellationToken cancellationToken)
    {
        var nonce = Interlocked.Increment(ref _nonce).ToString(CultureInfo.InvariantCulture);
        var scan = _silo!.ScanAsync(_gateIds[gate], new ScanRequest(_event.Tokens[attendeeIndex], ScanDirection.Entry, nonce, DateTimeOffset.UtcNow));
        return scan.IsCompletedSuccessfully ? Task.FromResult(scan.Result.Passed) : PassedAsync(scan);
    }

    private static async Task<bool> PassedAsync(Task<ScanResult> scan) => (await scan).Passed;

    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        await StopSiloAsync();
        await StartSiloAsync();
    }

    public Task<TargetTally> TallyAsync(string phase, CancellationToken cancellationToken)
    {
        _facts.Add($"{phase}: {_silo!.Journal.Appended:N0} journal entries in {_silo.Journal.Commits:N0} commits");
        return Task.FromResult(VenueJournal.Tally(_silo.Journal.Path));
    }

    /// <summary>A fresh silo in a fresh data directory: nobody inside, empty journal.</summary>
    private async Task StartSiloAsync()
    {
        _generation++;
        var options = new EdgeSiloOptions
        {
            EdgeId = "harness-edge",
            DataDirectory = Path.Combine(_setup.WorkDirectory, $"edge-{_generation}"),
            LedgerPath = _event.SnapshotPath,
            Gates = [.. _event.Gates],
        };
        _silo = await EdgeSilo.StartAsync(options, _event.Ledger, TimeProvider.System);
    }

    private async Task StopSiloAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
            _silo = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopSiloAsync();
}
