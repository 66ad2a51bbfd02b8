using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Venue.Central.Silo;
using Venue.Domain.Central;

namespace Venue.Central.Webhooks;

/// <summary>
/// Sends webhook deliveries from the store's outbox: POSTs each due one, signed
/// (<see cref="WebhookSignature"/>), with a time limit; a 2xx marks it delivered, anything else is
/// retried later with exponential back-off and jitter, and given up after
/// <see cref="WebhookDispatcherOptions.MaxAttempts"/>. The outbox lives in the store, so deliveries
/// pending when central stops are sent after it starts again.
/// <para>
/// Each webhook has a lane of its own: a loop that reads only that webhook's due deliveries and
/// sends at most <see cref="WebhookDispatcherOptions.MaxConcurrencyPerWebhook"/> of them at once,
/// so a subscriber that hangs or fails holds up nobody but itself. All lanes together keep at most
/// <see cref="WebhookDispatcherOptions.MaxConcurrency"/> requests in flight. A lane waits between
/// rounds for <see cref="WebhookOutbox"/> to say something was published, for the next retry it
/// knows of, or for the poll interval, whichever comes first; the dispatcher's own loop opens a lane
/// for each webhook created and closes the lane of each webhook deleted, on the same signals.
/// </para>
/// </summary>
public sealed class WebhookDispatcher : BackgroundService
{
    public const string IdHeader = "Venue-Webhook-Id";
    public const string EventTypeHeader = "Venue-Event-Type";

    private readonly Func<CancellationToken, Task<(IWebhookStore Store, WebhookOutbox Outbox)>> _target;
    private readonly TimeProvider _time;
    private readonly WebhookDispatcherOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _inFlight;

    /// <param name="handler">Where requests go (tests may pass their own); by default a handler that follows no redirects.</param>
    public WebhookDispatcher(IWebhookStore store, WebhookOutbox outbox, TimeProvider time, WebhookDispatcherOptions options, ILogger<WebhookDispatcher>? logger = null, HttpMessageHandler? handler = null)
        : this(_ => Task.FromResult((store, outbox)), time, options, logger, handler)
    {
    }

    private WebhookDispatcher(Func<CancellationToken, Task<(IWebhookStore, WebhookOutbox)>> target, TimeProvider time, WebhookDispatcherOptions options, ILogger? logger, HttpMessageHandler? handler)
    {
        _target = target;
        _time = time;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _inFlight = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        // A redirect is a failed delivery: following it would send signed events somewhere nobody registered.
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = options.AllowPrivateAddresses ? null : WebhookAddresses.ConnectPublicAsync,
            // Through a proxy (HTTP(S)_PROXY) the callback would dial, and check, the proxy rather than the receiver.
            UseProxy = options.AllowPrivateAddresses,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Venue-Webhooks", "1"));
    }

    /// <summary>The dispatcher of the central host: starts sending once the host (and so the central silo) has started.</summary>
    public static WebhookDispatcher ForCentral(IServiceProvider services)
    {
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        return new WebhookDispatcher(
            async cancellationToken =>
            {
                var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
                {
                    await started.Task.WaitAsync(cancellationToken);
                }

                var silo = services.GetRequiredService<CentralSilo>();
                return (silo.Store, silo.Outbox);
            },
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<IOptions<WebhookDispatcherOptions>>().Value,
            services.GetRequiredService<ILogger<WebhookDispatcher>>(),
            handler: null);
    }

    /// <summary>Raised after each attempt is recorded in the store (for metrics and tests).</summary>
    public event Action<WebhookAttempt>? Attempted;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IWebhookStore store;
        WebhookOutbox outbox;
        try
        {
            (store, outbox) = await _target(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        var lanes = new Dictionary<string, Lane>(StringComparer.Ordinal);
        // Lanes of deleted webhooks, cancelled but perhaps still unwinding a request: stopping waits for them too.
        var closing = new List<Lane>();
        long? lastPrune = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Taken before listing, so a webhook created and published to meanwhile is seen next round.
                var published = outbox.WaitForPublishAsync(_options.PollInterval, _time, stoppingToken);
                if (lastPrune is not { } pruned || _time.GetElapsedTime(pruned) >= PruneEvery)
                {
                    lastPrune = _time.GetTimestamp();
                    try
                    {
                        await PruneAsync(store, stoppingToken);
                    }
                    catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                    {
                        _logger.LogWarning(e, "Removing finished webhook deliveries failed; trying again in {Every}.", PruneEvery);
                    }
                }

                try
                {

                    var webhooks = await store.ListWebhooksAsync(stoppingToken);
                    var current = webhooks.Select(w => w.Id).ToHashSet(StringComparer.Ordinal);
                    foreach (var id in lanes.Keys.Where(id => !current.Contains(id)).ToList())
                    {
                        // Its undelivered rows went with it; a request still in flight has nowhere to be recorded.
                        await lanes[id].Stopping.CancelAsync();
                        closing.Add(lanes[id]);
                        lanes.Remove(id);
                    }

                    foreach (var id in current.Where(id => !lanes.ContainsKey(id)))
                    {
                        lanes[id] = Open(store, outbox, id, stoppingToken);
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    _logger.LogWarning(e, "Listing webhooks failed; retrying in {Interval}.", _options.PollInterval);
                }

                foreach (var done in closing.Where(l => l.Serving.IsCompleted).ToList())
                {
                    done.Stopping.Dispose();
                    closing.Remove(done);
                }

                await published;
            }
        }
        finally
        {
            // The stopping token reaches every lane through its linked source; wait for each to wind down.
            var all = lanes.Values.Concat(closing).ToList();
            await Task.WhenAll(all.Select(l => l.Serving));
            foreach (var lane in all)
            {
                lane.Stopping.Dispose();
            }
        }
    }

    /// <summary>How often finished deliveries older than <see cref="WebhookDispatcherOptions.KeepFinishedFor"/> are removed.</summary>
    public static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    /// <summary>Removes finished deliveries past their keeping time, so the outbox does not grow with every event for ever.</summary>
    private async Task PruneAsync(IWebhookStore store, CancellationToken cancellationToken)
    {
        var removed = await store.PruneWebhookDeliveriesAsync(_time.GetUtcNow() - _options.KeepFinishedFor, cancellationToken);
        if (removed > 0)
        {
            _logger.LogInformation("Removed {Count} webhook deliveries finished more than {Keep} ago.", removed, _options.KeepFinishedFor);
        }
    }

    private Lane Open(IWebhookStore store, WebhookOutbox outbox, string webhookId, CancellationToken stoppingToken)
    {
        var lane = new Lane(webhookId, CancellationTokenSource.CreateLinkedTokenSource(stoppingToken));
        lane.Serving = Task.Run(() => ServeAsync(store, outbox, lane));
        return lane;
    }

    /// <summary>One webhook's loop: its due deliveries, then a wait for a publish, its next retry or the poll interval.</summary>
    private async Task ServeAsync(IWebhookStore store, WebhookOutbox outbox, Lane lane)
    {
        var cancellationToken = lane.Stopping.Token;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Taken before reading, so an event published while this round runs wakes the next one.
            var published = outbox.WaitForPublishAsync(_options.PollInterval, _time, cancellationToken);
            try
            {
                await DeliverDueAsync(store, lane, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The store is unavailable (a PostgreSQL restart, a locked file): try again next round.
                _logger.LogWarning(e, "Reading the webhook outbox of {Webhook} failed; retrying in {Interval}.", lane.WebhookId, _options.PollInterval);
            }

            var wake = lane.NextRetryIn(_time.GetUtcNow());
            if (wake is { } delay && delay < _options.PollInterval)
            {
                await Task.WhenAny(published, Task.Delay(delay, _time, cancellationToken)).ConfigureAwait(false);
            }
            else
            {
                await published;
            }
        }
    }

    /// <summary>Sends every delivery of the lane's webhook due now, a batch at a time.</summary>
    private async Task DeliverDueAsync(IWebhookStore store, Lane lane, CancellationToken cancellationToken)
    {
        var perWebhook = Math.Min(_options.MaxConcurrencyPerWebhook, _options.MaxConcurrency);
        while (true)
        {
            var due = await store.ReadDueDeliveriesAsync(_time.GetUtcNow(), _options.BatchSize, lane.WebhookId, cancellationToken);
            if (due.Count == 0)
            {
                return;
            }

            await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = perWebhook, CancellationToken = cancellationToken },
                async (delivery, ct) =>
                {
                    await _inFlight.WaitAsync(ct);
                    try
                    {
                        if (await AttemptAsync(store, delivery, ct) is { } retry)
                        {
                            lane.RetryAt(retry);
                        }
                    }
                    finally
                    {
                        _inFlight.Release();
                    }
                });
            if (due.Count < _options.BatchSize)
            {
                return;
            }
        }
    }

    /// <summary>One attempt, recorded in the store. Returns when to retry, or null when delivered or given up.</summary>
    private async Task<DateTimeOffset?> AttemptAsync(IWebhookStore store, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var body = Envelope(delivery);
        string? error;
        try
        {
            using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Webhook.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Add(IdHeader, delivery.Id.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(EventTypeHeader, delivery.EventType);
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Create(delivery.Webhook.Secret, _time.GetUtcNow().ToUnixTimeSeconds(), body));
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
                error = response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                error = $"no answer within {_options.RequestTimeout.TotalSeconds:0.###} s";
            }
        }
        catch (HttpRequestException e)
        {
            error = e.Message;
        }
        catch (Exception e) when (e is InvalidOperationException or UriFormatException)
        {
            error = $"the URL cannot be called: {e.Message}";
        }

        var now = _time.GetUtcNow();
        DateTimeOffset? next = null;
        if (error is null)
        {
            await store.MarkDeliveredAsync(delivery.Id, now, CancellationToken.None);
        }
        else
        {
            var attempts = delivery.Attempts + 1;
            next = attempts >= _options.MaxAttempts ? null : now + Backoff(attempts, _options, Random.Shared.NextDouble());
            await store.MarkFailedAsync(delivery.Id, error, next, CancellationToken.None);
            if (next is { } retry)
            {
                _logger.LogInformation("Webhook delivery {Delivery} to {Url} failed ({Error}); attempt {Attempt} of {Max}, next at {Next:O}.",
                    delivery.Id, delivery.Webhook.Url, error, attempts, _options.MaxAttempts, retry);
            }
            else
            {
                _logger.LogWarning("Webhook delivery {Delivery} to {Url} given up after {Attempts} attempts: {Error}.", delivery.Id, delivery.Webhook.Url, attempts, error);
            }
        }

        Attempted?.Invoke(new WebhookAttempt(delivery, error, next));
        return next;
    }

    /// <summary>The wait after the <paramref name="failures"/>-th failed attempt: doubling from the initial back-off, capped, ±20 % by <paramref name="random"/> in [0, 1).</summary>
    public static TimeSpan Backoff(int failures, WebhookDispatcherOptions options, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        var doubled = options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 40));
        var capped = Math.Min(doubled, options.MaxBackoff.TotalMilliseconds);
        // Jitter spreads out retries of deliveries that failed together (a receiver that was down for everyone).
        return TimeSpan.FromMilliseconds(capped * (0.8 + 0.4 * random));
    }

    /// <summary>The body POSTed: <c>{"id":…,"type":…,"at":…,"data":{payload}}</c>, the same bytes on every attempt.</summary>
    public static byte[] Envelope(WebhookDelivery delivery)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("id", delivery.Id);
            json.WriteString("type", delivery.EventType);
            json.WriteString("at", delivery.EventAt);
            json.WritePropertyName("data");
            json.WriteRawValue(delivery.PayloadJson, skipInputValidation: false);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public override void Dispose()
    {
        _http.Dispose();
        _inFlight.Dispose();
        base.Dispose();
    }

    /// <summary>One webhook's share of the dispatcher: its loop, what stops it, and the retry times its attempts set.</summary>
    private sealed class Lane(string webhookId, CancellationTokenSource stopping)
    {
        private readonly object _gate = new();
        // Every retry time this lane set, earliest first. One "earliest" value would keep a time
        // already past while a later one was set, and the retry after it would wait for the poll interval.
        private readonly PriorityQueue<DateTimeOffset, DateTimeOffset> _retries = new();

        public string WebhookId { get; } = webhookId;

        public CancellationTokenSource Stopping { get; } = stopping;

        public Task Serving { get; set; } = Task.CompletedTask;

        public void RetryAt(DateTimeOffset at)
        {
            lock (_gate)
            {
                _retries.Enqueue(at, at);
            }
        }

        /// <summary>How long until the next retry set (zero when one is already due), or null when none is.</summary>
        public TimeSpan? NextRetryIn(DateTimeOffset now)
        {
            lock (_gate)
            {
                // Times now past were (or are about to be) served by a round; drop them, and run one at once.
                var due = false;
                while (_retries.TryPeek(out var at, out _) && at <= now)
                {
                    _retries.Dequeue();
                    due = true;
                }

                if (due)
                {
                    return TimeSpan.Zero;
                }

                return _retries.TryPeek(out var next, out _) ? next - now : null;
            }
        }
    }
}

/// <summary>One attempt as recorded: <see cref="Error"/> null when delivered; <see cref="NextAttemptAt"/> null when delivered or given up.</summary>
public sealed record WebhookAttempt(WebhookDelivery Delivery, string? Error, DateTimeOffset? NextAttemptAt)
{
    public bool Delivered => Error is null;
}
