using Venue.Domain.Central;

namespace Venue.Central.Webhooks;

/// <summary>
/// Where central's parts publish events for webhooks: into the store's outbox (so a delivery survives
/// a restart), then a nudge so the dispatcher sends at once instead of at its next poll.
/// </summary>
public sealed class WebhookOutbox(IWebhookStore store)
{
    private TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public const string AttendeeRegistered = "attendee.registered";
    public const string AttendeeUpdated = "attendee.updated";
    public const string AttendeeRevoked = "attendee.revoked";
    public const string ConflictRaised = "conflict.raised";

    public static IReadOnlyList<string> EventTypes { get; } = [AttendeeRegistered, AttendeeUpdated, AttendeeRevoked, ConflictRaised];

    public async Task PublishAsync(IReadOnlyList<WebhookEvent> events, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0)
        {
            return;
        }

        if (await store.EnqueueWebhookEventsAsync(events, cancellationToken) > 0)
        {
            Interlocked.Exchange(ref _published, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>Completes when something is published after this call, or when <paramref name="timeout"/> passes.</summary>
    public Task WaitForPublishAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) =>
        Volatile.Read(ref _published).Task.WaitAsync(timeout, time, cancellationToken)
            .ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
