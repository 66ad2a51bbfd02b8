using System.ComponentModel.DataAnnotations;
using Venue.Hosting.Configuration;

namespace Venue.OpsConsole.Feed;

/// <summary>The <c>Console:Feed</c> section: how much of the stream is kept, and how often a client's stream is written to.</summary>
public sealed class LiveFeedOptions
{
    public const string Section = "Console:Feed";

    /// <summary>
    /// Events kept in the ring every client reads from: a client reconnecting from further back, or a
    /// connected one falling further behind live, is told to resync.
    /// </summary>
    [Range(16, 1_000_000)]
    public int ReplayCapacity { get; set; } = 8192;

    /// <summary>
    /// A client's stream is written and flushed at most this often; events published in between go
    /// out together. An event on a stream idle for longer than this goes out at once. Zero: on every wake-up.
    /// </summary>
    [DurationRange("00:00:00", "00:00:01")]
    public TimeSpan WriteInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// A <c>ping</c> event is sent this often on a quiet stream, so proxies keep it open and the page
    /// (told this in the snapshot) notices a connection that went silent and starts over. At least a
    /// second (zero would write pings in a tight loop), at most 5 minutes (proxies commonly close a
    /// connection silent for a minute or more).
    /// </summary>
    [DurationRange("00:00:01", "00:05:00")]
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often an open stream checks that the ops token behind it is still active; a revoked one's stream ends.</summary>
    [DurationRange("00:00:00.010", "00:05:00")]
    public TimeSpan CredentialCheck { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Live streams one sign-in (one session, or one ops token sent as a bearer) may hold open. A new
    /// one past this ends the oldest rather than being refused: a tablet whose Wi-Fi drops leaves
    /// streams the silo has not yet found dead, and its reconnect must not be locked out by them.
    /// </summary>
    [Range(1, 1000)]
    public int StreamsPerSession { get; set; } = 8;

    /// <summary>
    /// How long the browser waits before reconnecting (the SSE <c>retry</c> field). At least 100 ms, so
    /// a stream the server ends (a resync) is not reopened in a tight loop; at most a minute.
    /// </summary>
    [DurationRange("00:00:00.100", "00:01:00")]
    public TimeSpan Retry { get; set; } = TimeSpan.FromSeconds(1);
}
