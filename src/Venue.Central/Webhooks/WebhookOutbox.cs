using Venue.Domain.Central;

namespace Venue.Central.Webhooks;

/// <summary>
/// Where central's parts tell webhooks about events. Registration and reconciliation queue their
/// events in the store's outbox inside the transaction that stores what they tell of, so a change
/// never commits without its events (nor the reverse), whatever fails or crashes; after the commit
/// they call <see cref="Notify"/> so the dispatcher sends at once instead of at its next poll.
/// </summary>
public sealed class WebhookOutbox(IWebhookStore store)
{
    private TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public const string AttendeeRegistered = "attendee.registered";
    public const string AttendeeUpdated = "attendee.updated";
    public const string AttendeeRevoked = "attendee.revoked";
    public const string ConflictRaised = "conflict.raised";

    public static IReadOnlyList<string> EventTypes { get; } = [AttendeeRegistered, AttendeeUpdated, AttendeeRevoked, ConflictRaised];

    /// <summary>Queues events that stand on their own (nothing else to store with them), then notifies.</summary>
    public async Task PublishAsync(IReadOnlyList<WebhookEvent> events, CancellationToken cancellationToken = default)
    {
        if (events.Count > 0 && await store.EnqueueWebhookEventsAsync(events, cancellationToken) > 0)
        {
            Notify();
        }
    }

    /// <summary>Says events were committed to the outbox: wakes the dispatcher.</summary>
    public void Notify() =>
        Interlocked.Exchange(ref _published, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Completes when something is published after this call, or when <paramref name="timeout"/> passes.</summary>
    public Task WaitForPublishAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) =>
        Volatile.Read(ref _published).Task.WaitAsync(timeout, time, cancellationToken)
            .ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
