namespace Venue.Domain.Central;

/// <summary>Webhook subscriptions and their delivery outbox, which survives restarts.</summary>
public interface IWebhookStore
{
    Task<Webhook> CreateWebhookAsync(string url, IReadOnlyList<string> eventTypes, string secret, DateTimeOffset at, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Webhook>> ListWebhooksAsync(CancellationToken cancellationToken = default);

    Task<bool> DeleteWebhookAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Adds one outbox row per (event, webhook subscribed to its type), due at once. Returns the number of rows added.</summary>
    Task<int> EnqueueWebhookEventsAsync(IReadOnlyList<WebhookEvent> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deliveries due at <paramref name="now"/>, oldest first, that are neither delivered nor given up;
    /// only those to <paramref name="webhookId"/> when it is given, so one webhook's backlog can be
    /// read without wading through another's.
    /// </summary>
    Task<IReadOnlyList<WebhookDelivery>> ReadDueDeliveriesAsync(DateTimeOffset now, int limit, string? webhookId = null, CancellationToken cancellationToken = default);

    Task MarkDeliveredAsync(long deliveryId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Records a failed attempt: retried at <paramref name="nextAttemptAt"/>, or given up when it is null.</summary>
    Task MarkFailedAsync(long deliveryId, string error, DateTimeOffset? nextAttemptAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes outbox rows that are finished: delivered before <paramref name="finishedBefore"/>, or
    /// given up with their last attempt due before it. Pending rows stay whatever their age. Returns
    /// the number removed.
    /// </summary>
    Task<int> PruneWebhookDeliveriesAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken = default);

    /// <summary>Counts of outbox rows: pending, delivered, given up.</summary>
    Task<(long Pending, long Delivered, long Failed)> CountDeliveriesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Each webhook's outbox as its integrator sees it (keyed by webhook id; a webhook with no rows is
    /// absent): the counts of <see cref="CountDeliveriesAsync"/>, and the error of its newest delivery
    /// that failed and is not delivered (still retried or given up).
    /// </summary>
    Task<IReadOnlyDictionary<string, WebhookDeliveryStatus>> GetDeliveryStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes <paramref name="webhookId"/>'s given-up deliveries pending again, due at <paramref name="at"/>
    /// with their attempts counted from zero (a receiver back after a long outage). Returns how many.
    /// </summary>
    Task<int> RetryGivenUpDeliveriesAsync(string webhookId, DateTimeOffset at, CancellationToken cancellationToken = default);
}
