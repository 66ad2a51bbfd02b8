using System.ComponentModel.DataAnnotations;

namespace Venue.OpsConsole.Feed;

/// <summary>The <c>Console:Feed</c> section: how much of the stream is kept for reconnecting clients and how far one may lag.</summary>
public sealed class LiveFeedOptions
{
    public const string Section = "Console:Feed";

    /// <summary>Events kept for replay; a client reconnecting from further back is told to resync.</summary>
    [Range(16, 1_000_000)]
    public int ReplayCapacity { get; set; } = 8192;

    /// <summary>Events queued for one client; a client that falls this far behind is dropped and told to resync.</summary>
    [Range(16, 1_000_000)]
    public int ClientQueueCapacity { get; set; } = 2048;

    /// <summary>A comment line is sent this often on a quiet stream, so dead connections are noticed and proxies keep it open.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the browser waits before reconnecting (the SSE <c>retry</c> field).</summary>
    public TimeSpan Retry { get; set; } = TimeSpan.FromSeconds(1);
}
