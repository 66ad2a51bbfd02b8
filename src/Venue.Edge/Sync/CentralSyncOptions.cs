using System.Globalization;
using Venue.Domain.Devices;
using Venue.Hosting.Configuration;

namespace Venue.Edge.Sync;

/// <summary>
/// The <c>Edge:Central</c> section: the uplink to the central silo (protocol venue-sync/1,
/// docs/sync-protocol.md). No <see cref="Url"/>: a standalone edge that never syncs.
/// </summary>
public sealed class CentralSyncOptions
{
    public const string Section = "Central";

    /// <summary>Longest long poll central grants on <c>GET /v1/sync/changes</c>.</summary>
    public static readonly TimeSpan MaxChangesWait = TimeSpan.FromSeconds(30);

    /// <summary>Longest first retry delay: a link that failed once should be tried again within the minute.</summary>
    public static readonly TimeSpan MaxRetryMin = TimeSpan.FromMinutes(1);

    /// <summary>Longest retry delay: the longest an edge may stay silent after its link heals.</summary>
    public static readonly TimeSpan MaxRetryMax = TimeSpan.FromMinutes(5);

    /// <summary>Longest status period: central shows an edge offline after 30 s without a report (CentralSilo.OfflineAfter).</summary>
    public static readonly TimeSpan MaxStatusEvery = TimeSpan.FromSeconds(20);

    /// <summary>Longest wait for one answer from central.</summary>
    public static readonly TimeSpan MaxRequestTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Shortest retry delay, status period and request timeout.</summary>
    private static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(1);

    /// <summary>Largest upload batch: 2,000 entries of at most about 600 bytes stay well under central's 4 MiB body limit.</summary>
    public const int MaxUploadBatchSize = 2000;

    /// <summary>Central's base address, e.g. <c>https://central.example:5090/</c>.</summary>
    public string? Url { get; set; }

    /// <summary>
    /// This edge's device token at central (<c>vdt_...</c>, role Edge, named after the edge id). Never
    /// in a file under version control: set <c>VENUE_Edge__Central__Token</c> in the environment.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>Journal entries per upload (1 to 2,000). Halved for a while when central answers 413.</summary>
    public int UploadBatchSize { get; set; } = 1000;

    /// <summary>How long central may hold a <c>/changes</c> request when nothing is new (at most 30 s).</summary>
    public TimeSpan ChangesWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First retry delay after a failure (at most a minute); each further failure doubles it, up to <see cref="RetryMax"/>, with full jitter.</summary>
    public TimeSpan RetryMin { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Cap of the retry delay (at most 5 minutes): also the longest an edge may sleep after its link heals before trying again.</summary>
    public TimeSpan RetryMax { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the edge reports its status (the silo table at central); at most 20 s, as central shows an edge silent for 30 s offline.</summary>
    public TimeSpan StatusEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait for one answer (at most 5 minutes), on top of <see cref="ChangesWait"/> for a long poll; a snapshot download may take longer as long as bytes keep coming.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Stored ledger changes after which the edge rewrites its snapshot (ledger.jsonl) and drops them.</summary>
    public int CompactAfterChanges { get; set; } = 50_000;

    public bool IsEnabled => !string.IsNullOrWhiteSpace(Url);

    /// <summary>What is wrong with these options, in words for an operator; empty when the uplink can start (or is off).</summary>
    public IReadOnlyList<string> Problems(string prefix = "Edge:Central")
    {
        var problems = new List<string>();
        if (IsEnabled)
        {
            if (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                problems.Add($"{prefix}:Url: '{Url}' is not an absolute http:// or https:// address.");
            }

            if (string.IsNullOrWhiteSpace(Token))
            {
                problems.Add($"{prefix}:Token: required when {prefix}:Url is set; set it in the environment as VENUE_Edge__Central__Token (a 'vdt_...' token of role Edge issued by central).");
            }
            else if (!DeviceToken.TryParse(Token.Trim(), out _, out _))
            {
                // Never echo the value: it is a secret, and this line ends up in logs.
                problems.Add($"{prefix}:Token: is not a device token (it starts with '{DeviceToken.Prefix}').");
            }
        }
        else if (!string.IsNullOrWhiteSpace(Token))
        {
            // A token and no address: the edge would run on its own without a word, its operator believing it syncs.
            problems.Add($"{prefix}:Token: is set but {prefix}:Url is empty, so this edge would not sync; set the URL (e.g. VENUE_Edge__Central__Url=http://central:5090) or leave the token out.");
        }

        // The rest is checked without a URL too: a bad value would otherwise surface only the day the URL is added.
        if (UploadBatchSize is < 1 or > MaxUploadBatchSize)
        {
            problems.Add($"{prefix}:UploadBatchSize: {UploadBatchSize} is not between 1 and {MaxUploadBatchSize}.");
        }

        // Each duration has a maximum, not only a minimum: a bare "2" binds as two days.
        string?[] durations =
        [
            DurationProblem.Check($"{prefix}:ChangesWait", ChangesWait, TimeSpan.Zero, MaxChangesWait),
            DurationProblem.Check($"{prefix}:RetryMin", RetryMin, MinDelay, MaxRetryMin),
            DurationProblem.Check($"{prefix}:RetryMax", RetryMax, MinDelay, MaxRetryMax),
            DurationProblem.Check($"{prefix}:StatusEvery", StatusEvery, MinDelay, MaxStatusEvery),
            DurationProblem.Check($"{prefix}:RequestTimeout", RequestTimeout, MinDelay, MaxRequestTimeout),
        ];
        problems.AddRange(durations.OfType<string>());
        if (durations[1] is null && durations[2] is null && RetryMax < RetryMin)
        {
            problems.Add($"{prefix}:RetryMin/RetryMax: need RetryMin <= RetryMax (they are {RetryMin:c} and {RetryMax:c}).");
        }

        if (CompactAfterChanges < 1)
        {
            problems.Add($"{prefix}:CompactAfterChanges: must be at least 1 (it is {CompactAfterChanges.ToString(CultureInfo.InvariantCulture)}).");
        }

        return problems;
    }
}
