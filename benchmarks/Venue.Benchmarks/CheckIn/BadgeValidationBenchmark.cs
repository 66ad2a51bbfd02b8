using BenchmarkDotNet.Attributes;
using Venue.Domain.CheckIn;

namespace Venue.Benchmarks.CheckIn;

/// <summary>
/// The badge half of a check-in decision (BadgeValidator: decode, ledger look-up, rules), no
/// presence and no journal. A badge the ledger knows is recognised by its hash; a badge of an
/// attendee registered after the last sync needs an ECDSA P-256 verification.
/// </summary>
[MemoryDiagnoser]
public class BadgeValidationBenchmark
{
    private BenchmarkEvent _event = null!;
    private string _known = "";
    private string _unlisted = "";
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    [GlobalSetup]
    public void Setup()
    {
        _event = BenchmarkEvent.Create(attendees: 10_000, reentry: false);
        _known = _event.Tokens[4_242];
        _unlisted = _event.IssueUnlisted(1);
    }

    [GlobalCleanup]
    public void Cleanup() => _event.Dispose();

    [Benchmark(Baseline = true)]
    public BadgeVerdict KnownBadge() => BadgeValidator.Validate(_known, _event.Gate, _event.Ledger, _now);

    [Benchmark]
    public BadgeVerdict BadgeNotInLedger() => BadgeValidator.Validate(_unlisted, _event.Gate, _event.Ledger, _now);
}
