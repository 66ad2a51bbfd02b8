using Venue.Domain.Attendees;
using Venue.Domain.CheckIn;
using Venue.Domain.Gates;
using Venue.Runtime;
using Venue.Runtime.Storage;

namespace Venue.Domain.Tests;

/// <summary>Gate and attendee grains in the real grain runtime, on memory storage, a fake journal and fake time.</summary>
internal sealed class CheckInRig : IAsyncDisposable
{
    private int _nonces;

    public CheckInRig(TestEvent testEvent, params GateDefinition[] gates)
    {
        var catalog = new GateCatalog(gates);
        var builder = new GrainRuntimeBuilder().UseTimeProvider(Time).UseStorage(new MemoryGrainStorage());
        // No test here is about idle collection; keep it out of the way when a test moves the clock by hours.
        builder.Options.CollectionAge = TimeSpan.FromDays(365);
        builder.Options.CollectionQuantum = TimeSpan.FromDays(365);
        builder.AddGrain<IGateGrain, GateGrain>(() => new GateGrain(catalog));
        builder.AddGrain<IAttendeeGrain, AttendeeGrain>(() => new AttendeeGrain(Journal));
        Runtime = builder.Build();
        CheckIn = new CheckInService(Runtime, catalog, testEvent.Ledger, Journal, Time);
    }

    /// <summary>The check-in front the edge uses: validates, then routes to the attendee's or the gate's grain.</summary>
    public CheckInService CheckIn { get; }

    public ManualTimeProvider Time { get; } = new(TestEvent.Now);

    public FakeJournal Journal { get; } = new();

    public GrainRuntime Runtime { get; }

    public string NextNonce() => $"nonce-{Interlocked.Increment(ref _nonces)}";

    /// <summary>A scan as a scanner sends it; the scanner's clock agrees with the server's unless told otherwise.</summary>
    public Task<ScanResult> ScanAsync(string gateId, string token, ScanDirection direction = ScanDirection.Entry,
        string? nonce = null, DateTimeOffset? scannedAt = null) =>
        CheckIn.ScanAsync(gateId, new ScanRequest(token, direction, nonce ?? NextNonce(), scannedAt ?? Time.GetUtcNow()))
            .WithTimeout($"a scan at gate '{gateId}'");

    public Task<AttendeePresence> PresenceAsync(string attendeeId) =>
        Runtime.GetGrain<IAttendeeGrain>(attendeeId).GetPresenceAsync().WithTimeout($"the presence of '{attendeeId}'");

    public ValueTask DisposeAsync() => Runtime.DisposeAsync();
}
