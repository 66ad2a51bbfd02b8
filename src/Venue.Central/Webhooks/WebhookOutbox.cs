using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Venue.Domain.Central;

namespace Venue.Central.Webhooks;

/// <summary>
/// Where central's parts publish events for webhooks: into the store's outbox (so a delivery survives
/// a restart), then a nudge so the dispatcher sends at once instead of at its next poll. Events are
/// published after what they tell of is stored; a failed outbox write (the store briefly gone, a
/// webhook deleted mid-insert) is retried here in the background, backing off to a minute, so the
/// caller's stored change is not answered as an error and the events still go out. Only a stop of
/// central while the store keeps failing loses them.
/// </summary>
public sealed class WebhookOutbox(IWebhookStore store, TimeProvider? time = null, ILogger? logger = null)
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _retrying;

    /// <summary>Events whose outbox write failed and is being retried.</summary>
    public long Retrying => Interlocked.Read(ref _retrying);

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

        try
        {
            await EnqueueAsync(events, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            _logger.LogError(e, "Could not write {Count} webhook event(s) ({Types}) to the outbox; retrying in the background.",
                events.Count, string.Join(", ", events.Select(x => x.Type).Distinct()));
            Interlocked.Add(ref _retrying, events.Count);
            _ = RetryAsync(events);
        }
    }

    private async Task EnqueueAsync(IReadOnlyList<WebhookEvent> events, CancellationToken cancellationToken)
    {
        if (await store.EnqueueWebhookEventsAsync(events, cancellationToken) > 0)
        {
            Interlocked.Exchange(ref _published, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    private async Task RetryAsync(IReadOnlyList<WebhookEvent> events)
    {
        var delay = FirstRetry;
        for (var attempt = 1; ; attempt++)
        {
            await Task.Delay(delay, _time);
            try
            {
                await EnqueueAsync(events, CancellationToken.None);
                Interlocked.Add(ref _retrying, -events.Count);
                _logger.LogInformation("Wrote {Count} webhook event(s) to the outbox at attempt {Attempt}.", events.Count, attempt + 1);
                return;
            }
            catch (Exception e)
            {
                if (attempt % 10 == 0)
                {
                    _logger.LogError(e, "Still cannot write {Count} webhook event(s) to the outbox after {Attempts} attempts; retrying.", events.Count, attempt + 1);
                }

                delay = delay * 2 > LastRetry ? LastRetry : delay * 2;
            }
        }
    }

    /// <summary>Completes when something is published after this call, or when <paramref name="timeout"/> passes.</summary>
    public Task WaitForPublishAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) =>
        Volatile.Read(ref _published).Task.WaitAsync(timeout, time, cancellationToken)
            .ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
