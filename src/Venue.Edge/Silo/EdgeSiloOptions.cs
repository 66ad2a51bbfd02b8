using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Venue.Domain.Gates;
using Venue.Edge.Sync;
using Venue.Edge.Telemetry;
using Venue.Hosting.Configuration;

namespace Venue.Edge.Silo;

/// <summary>The <c>Edge</c> section of an edge's configuration (see silo-config/edge.json).</summary>
public sealed class EdgeSiloOptions
{
    public const string Section = "Edge";

    /// <summary>What an edge id looks like (also the name of its sync credential at central).</summary>
    public const string EdgeIdPattern = "^[a-z0-9][a-z0-9-]{0,31}$";

    /// <summary>This edge's id: unique per event, it names the journal's entries at central.</summary>
    [Required, RegularExpression(EdgeIdPattern, ErrorMessage = "EdgeId is 1 to 32 lowercase letters, digits or '-'.")]
    public string EdgeId { get; set; } = "";

    /// <summary>Where the journal and device credentials live. Back it up; it is the edge's truth.</summary>
    [Required]
    public string DataDirectory { get; set; } = "";

    /// <summary>
    /// The ledger snapshot (format venue-ledger/1) to load at start. With a central, only the first
    /// boot's seed (the edge then keeps its own in {DataDirectory}/ledger.jsonl), and optional: an edge
    /// without one downloads the snapshot from central.
    /// </summary>
    public string LedgerPath { get; set; } = "";

    /// <summary>
    /// The venue layout (zones, portals, booths, sessions; docs/venue-layout.md). Empty: the edge
    /// runs check-in only, with no RFID telemetry.
    /// </summary>
    public string LayoutPath { get; set; } = "";

    /// <summary>How RFID readers reach this edge (<c>Edge:Readers</c>). Marked so its ranges are checked: validation stops at nested objects otherwise.</summary>
    [ValidateObjectMembers]
    public EdgeReadersOptions Readers { get; set; } = new();

    /// <summary>The uplink to central (<c>Edge:Central</c>); no Url: a standalone edge.</summary>
    public CentralSyncOptions Central { get; set; } = new();

    /// <summary>Largest scan request body accepted; larger bodies get 413.</summary>
    [Range(256, 1 << 20)]
    public int MaxScanBodyBytes { get; set; } = 8 * 1024;

    /// <summary>Scans per second one scanner credential may send before getting 429.</summary>
    [Range(1, 1_000_000)]
    public int ScansPerSecondPerDevice { get; set; } = 50;

    /// <summary>Idle attendee and gate activations are collected after this long (1 s to 1 day).</summary>
    [DurationRange("00:00:01", "1.00:00:00")]
    public TimeSpan GrainCollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    [Required, MinLength(1, ErrorMessage = "Configure at least one gate.")]
    public List<GateDefinition> Gates { get; set; } = [];

    public string JournalPath => Path.Combine(DataDirectory, "journal.db");

    /// <summary>
    /// Everything wrong with these options, in words for an operator: the attribute rules (those of
    /// <see cref="Readers"/> included), unique gates, and a ledger file that exists. Empty when the edge can start.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = OptionsProblems.Of(this, Section);
        if (Gates.Any(g => string.IsNullOrWhiteSpace(g.Id) || string.IsNullOrWhiteSpace(g.Name)))
        {
            problems.Add($"{Section}:Gates: every gate needs an Id and a Name.");
        }

        foreach (var never in Gates.Where(g => g.OpensAt is { } opens && g.ClosesAt is { } closes && opens >= closes))
        {
            problems.Add($"{Section}:Gates: gate '{never.Id}' opens at {never.OpensAt:O}, not before it closes at {never.ClosesAt:O}: it would never open.");
        }

        foreach (var duplicate in Gates.GroupBy(g => g.Id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"{Section}:Gates: gate id '{duplicate.Key}' is configured twice.");
        }

        // Only when the edge has nothing else to start on: its own stored snapshot, or central to download one from.
        var stored = !string.IsNullOrWhiteSpace(DataDirectory) && File.Exists(LedgerBootstrap.SnapshotPath(DataDirectory));
        if (!Central.IsEnabled && !stored)
        {
            if (string.IsNullOrWhiteSpace(LedgerPath))
            {
                problems.Add(LedgerPathRequired);
            }
            else if (!File.Exists(LedgerPath))
            {
                problems.Add($"{Section}:LedgerPath: {Path.GetFullPath(LedgerPath)} does not exist (make one with 'venue ledger generate').");
            }
        }

        problems.AddRange(Central.Problems($"{Section}:{CentralSyncOptions.Section}"));
        problems.AddRange(TelemetryProblems());
        return problems;
    }

    internal const string LedgerPathRequired = $"{Section}:LedgerPath: required unless {Section}:{CentralSyncOptions.Section}:Url is set.";

    public string DevicesPath => Path.Combine(DataDirectory, "devices.db");

    /// <summary>The read journal: RFID reads and telemetry facts (leads, challenges). Back it up with journal.db.</summary>
    public string TelemetryJournalPath => Path.Combine(DataDirectory, "telemetry.db");

    private IEnumerable<string> TelemetryProblems()
    {
        if (string.IsNullOrWhiteSpace(LayoutPath))
        {
            if (Readers.UseRabbitMq)
            {
                yield return $"{Section}:Readers:UseRabbitMq: readers need a venue layout; set {Section}:LayoutPath.";
            }

            yield break;
        }

        if (!File.Exists(LayoutPath))
        {
            yield return $"{Section}:LayoutPath: {Path.GetFullPath(LayoutPath)} does not exist (see silo-config/venue-layout.json).";
            yield break;
        }

        IReadOnlyList<string> layoutProblems;
        Domain.Layout.VenueLayout? layout = null;
        try
        {
            layout = Domain.Layout.VenueLayout.Load(LayoutPath);
            layoutProblems = layout.Problems();
        }
        catch (Domain.Layout.LayoutException e)
        {
            layoutProblems = e.Problems;
        }

        foreach (var problem in layoutProblems)
        {
            yield return $"{Section}:LayoutPath ({LayoutPath}): {problem}";
        }

        if (layout is not null && layoutProblems.Count == 0)
        {
            // An admission moves the attendee into the gate's zone; a zone the layout does not know
            // (a typo, "Lobby" for "lobby") would leave every admission through the gate out of its count.
            var zones = layout.Zones.Select(z => z.Id).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < Gates.Count; i++)
            {
                if (Gates[i]?.Zone is { } zone && !zones.Contains(zone))
                {
                    yield return $"{Section}:Gates[{i}]: Zone '{zone}' of gate '{Gates[i].Id}' is not a zone of the layout {LayoutPath} " +
                        $"(its zones: {string.Join(", ", zones.Order(StringComparer.Ordinal))}).";
                }
            }
        }

        if (Readers.UseRabbitMq)
        {
            string? brokerProblem = null;
            try
            {
                Readers.RabbitMq.Validate();
            }
            catch (InvalidOperationException e)
            {
                brokerProblem = e.Message;
            }

            if (brokerProblem is not null)
            {
                yield return $"{Section}:{brokerProblem}";
            }
        }
    }
}
