using System.ComponentModel.DataAnnotations;

namespace Venue.Central.Webhooks;

/// <summary>
/// The <c>Central:Webhooks</c> section: how deliveries are sent and retried. The retry after the
/// n-th failed attempt waits <see cref="InitialBackoff"/> × 2^(n-1), at most <see cref="MaxBackoff"/>,
/// ±20 % jitter; after <see cref="MaxAttempts"/> attempts the delivery is given up. The defaults
/// (1 s doubling to 10 min, 20 attempts) keep trying for about two hours.
/// </summary>
public sealed class WebhookDispatcherOptions
{
    public const string Section = "Central:Webhooks";

    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    [Range(1, 1_000)]
    public int MaxAttempts { get; set; } = 20;

    /// <summary>
    /// Deliver to loopback, link-local and private addresses too (a receiver on the venue's own
    /// network). Off by default: see <see cref="WebhookAddresses"/>.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>How often the outbox is read when nothing is published in this process (deliveries left by another process, a restart).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Deliveries of one webhook read from the outbox at a time.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>How long delivered and given-up deliveries stay in the outbox (for counts and inspection) before they are removed.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "365.00:00:00")]
    public TimeSpan KeepFinishedFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Deliveries in flight at once to one webhook: all a subscriber that never answers can hold,
    /// and the most any one subscriber receives at once. Capped by <see cref="MaxConcurrency"/>.
    /// </summary>
    [Range(1, 256)]
    public int MaxConcurrencyPerWebhook { get; set; } = 8;

    /// <summary>
    /// Deliveries in flight at once to all webhooks together, a bound on central's sockets. Room for
    /// several stalled webhooks at <see cref="MaxConcurrencyPerWebhook"/> each before they slow the others.
    /// </summary>
    [Range(1, 1_024)]
    public int MaxConcurrency { get; set; } = 64;
}
