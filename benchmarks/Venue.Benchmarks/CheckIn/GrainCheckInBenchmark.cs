using BenchmarkDotNet.Attributes;
using Venue.Domain.Attendees;
using Venue.Domain.CheckIn;
using Venue.Domain.Gates;
using Venue.Runtime;
using Venue.Runtime.Storage;

namespace Venue.Benchmarks.CheckIn;

/// <summary>
/// A whole check-in decision through the grains, as the edge wires them: gate grain (nonce, badge
/// validation) then attendee grain (check-and-mark), with the journal kept in memory so the figure
/// is CPU only. Each invocation scans one attendee in and out again (two passages, both admitted),
/// cycling over activated attendees.
/// </summary>
[MemoryDiagnoser]
public class GrainCheckInBenchmark
{
    private const int Attendees = 1_000;
    private BenchmarkEvent _event = null!;
    private GrainRuntime _runtime = null!;
    private CheckInService _checkIn = null!;
    private int _next;
    private long _nonce;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _event = BenchmarkEvent.Create(Attendees, reentry: true);
        var gates = new GateCatalog([_event.Gate]);
        var journal = new InMemoryJournal();
        _runtime = new GrainRuntimeBuilder()
            .UseStorage(new MemoryGrainStorage())
            .AddGrain<IGateGrain, GateGrain>(() => new GateGrain(gates))
            .AddGrain<IAttendeeGrain, AttendeeGrain>(() => new AttendeeGrain(journal))
            .Build();
        _checkIn = new CheckInService(_runtime, gates, _event.Ledger, journal, TimeProvider.System);
        for (var i = 0; i < Attendees; i++)
        {
            await EntryAndExitAsync(); // activates every attendee grain the benchmark will use
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _runtime.DisposeAsync();
        _event.Dispose();
    }

    [Benchmark(OperationsPerInvoke = 2)]
    public Task EntryThenExit() => EntryAndExitAsync();

    private async Task EntryAndExitAsync()
    {
        var token = _event.Tokens[_next];
        _next = (_next + 1) % Attendees;
        var entry = await _checkIn.ScanAsync(_event.Gate.Id, new ScanRequest(token, ScanDirection.Entry, Nonce(), DateTimeOffset.UtcNow));
        var exit = await _checkIn.ScanAsync(_event.Gate.Id, new ScanRequest(token, ScanDirection.Exit, Nonce(), DateTimeOffset.UtcNow));
        if (entry.Reason != ScanReason.Admitted || exit.Reason != ScanReason.Exited)
        {
            throw new InvalidOperationException($"Expected admitted then exited, got {entry.Reason} then {exit.Reason}.");
        }
    }

    private string Nonce() => (++_nonce).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
