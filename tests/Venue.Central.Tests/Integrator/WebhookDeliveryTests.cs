using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Venue.Central.Webhooks;
using Venue.Domain.Central;
using Venue.Storage.Sqlite.Central;

namespace Venue.Central.Tests.Integrator;

/// <summary>Webhooks end to end: registered over the API, delivered signed to a real receiver, retried, and kept across a restart.</summary>
public sealed class WebhookDeliveryTests
{
    /// <summary>What a recipient does with the documented recipe: recompute the HMAC over "{t}." and the raw body.</summary>
    private static void AssertSignedWith(string secret, ReceivedWebhook hook, DateTimeOffset? now = null)
    {
        var header = hook.Headers[WebhookSignature.Header];
        var parts = header.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var t = long.Parse(parts["t"], CultureInfo.InvariantCulture);
        byte[] signed = [.. Encoding.UTF8.GetBytes($"{t}."), .. hook.Body];
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        Assert.Equal(Convert.ToHexStringLower(mac), parts["v1"]);
        Assert.InRange((now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds() - t, -5, 60);
    }

    [Fact]
    public async Task A_registration_reaches_a_registered_webhook_signed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var central = await IntegratorHost.StartAsync();
        var api = central.Client(await central.CreateKeyAsync(ApiScope.WebhooksWrite, ApiScope.AttendeesWrite));

        using var created = await api.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url, eventTypes = new[] { "attendee.registered", "attendee.revoked" } });
        var webhook = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var secret = webhook.GetProperty("secret").GetString()!;
        await api.PostAsync("/v1/attendees", new StringContent("""{"id": "A1", "name": "Ada", "ticketType": "general"}""", Encoding.UTF8, "application/json"));
        await api.PatchAsync("/v1/attendees/A1", new StringContent("""{"name": "Ada King"}""", Encoding.UTF8, "application/json"));
        await api.PostAsync("/v1/attendees/A1/revoke", null);
        await receiver.Requests(2).WithTimeout("the registration and the revocation to be delivered");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.StartsWith("whsec_", secret);
        var hooks = receiver.Received.OrderBy(h => long.Parse(h.Headers[WebhookDispatcher.IdHeader], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(["attendee.registered", "attendee.revoked"], hooks.Select(h => h.Headers[WebhookDispatcher.EventTypeHeader]));
        foreach (var hook in hooks)
        {
            AssertSignedWith(secret, hook);
            Assert.True(WebhookSignature.Verify(hook.Headers[WebhookSignature.Header], secret, hook.Body, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance));
        }

        var registered = JsonDocument.Parse(hooks[0].Body).RootElement;
        Assert.Equal("attendee.registered", registered.GetProperty("type").GetString());
        Assert.Equal(("A1", "Ada", "general", "active"), (
            registered.GetProperty("data").GetProperty("id").GetString(),
            registered.GetProperty("data").GetProperty("name").GetString(),
            registered.GetProperty("data").GetProperty("ticketType").GetString(),
            registered.GetProperty("data").GetProperty("status").GetString()));
        Assert.Equal("revoked", JsonDocument.Parse(hooks[1].Body).RootElement.GetProperty("data").GetProperty("status").GetString());

        var listed = JsonDocument.Parse(await api.GetStringAsync("/v1/webhooks")).RootElement.GetProperty("webhooks");
        Assert.False(listed[0].TryGetProperty("secret", out _), "a secret is shown once, at creation");
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_with_the_same_delivery_id_until_it_answers_2xx()
    {
        await using var receiver = await WebhookReceiver.StartAsync(500, 503);
        // Backoffs of 0.25 s then 0.5 s, ±20 % jitter: 200-300 ms, then 400-600 ms.
        await using var central = await IntegratorHost.StartAsync(new Dictionary<string, string?>
        {
            ["Central:Webhooks:InitialBackoff"] = "00:00:00.250",
            ["Central:Webhooks:MaxBackoff"] = "00:00:02",
        });
        var api = central.Client(await central.CreateKeyAsync(ApiScope.WebhooksWrite, ApiScope.AttendeesWrite));
        await api.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url, eventTypes = new[] { "attendee.registered" } });
        var delivered = Signal.New();
        var scheduled = new System.Collections.Concurrent.ConcurrentQueue<(DateTimeOffset Next, DateTimeOffset Seen)>();
        central.Dispatcher.Attempted += a =>
        {
            if (a.Delivered)
            {
                delivered.TrySetResult();
            }
            else if (a.NextAttemptAt is { } next)
            {
                scheduled.Enqueue((next, DateTimeOffset.UtcNow));
            }
        };

        await api.PostAsync("/v1/attendees", new StringContent("""{"id": "A1", "name": "Ada", "ticketType": "general"}""", Encoding.UTF8, "application/json"));
        await receiver.Requests(3).WithTimeout("two failed attempts and a third that succeeds");
        await delivered.Task.WithTimeout("the third attempt to be recorded as delivered");

        var hooks = receiver.Received;
        Assert.Equal([500, 503, 200], hooks.Select(h => h.AnsweredWith));
        Assert.Single(hooks.Select(h => h.Headers[WebhookDispatcher.IdHeader]).Distinct());
        Assert.Single(hooks.Select(h => h.Text).Distinct());
        // The back-off the dispatcher chose (next attempt time minus its clock when it chose) lies between
        // what the receiver's and this handler's clock readings allow, whatever the scheduler did: the
        // receiver stamped the request before answering, the handler runs after the choice.
        var waits = scheduled.ToArray();
        Assert.Equal(2, waits.Length);
        (double Min, double Max)[] expected = [(200, 300), (400, 600)];
        for (var i = 0; i < 2; i++)
        {
            var atMost = (waits[i].Next - hooks[i].At).TotalMilliseconds;
            var atLeast = (waits[i].Next - waits[i].Seen).TotalMilliseconds;
            Assert.True(atMost >= expected[i].Min && atLeast <= expected[i].Max,
                $"back-off {i + 1} was between {atLeast:0} and {atMost:0} ms; expected {expected[i].Min}-{expected[i].Max} ms");
        }

        // And it was honoured: no attempt before its time (the receiver stamps after the dispatcher sends;
        // a few ms of leeway for a timer's granularity and stored times' precision).
        Assert.All([1, 2], i => Assert.True(hooks[i].At >= waits[i - 1].Next - TimeSpan.FromMilliseconds(15), $"attempt {i + 1} came at {hooks[i].At:O}, before its time {waits[i - 1].Next:O}"));
        var counts = await central.Silo.Store.CountDeliveriesAsync();
        Assert.Equal((0L, 1L, 0L), counts);
    }

    [Fact]
    public async Task A_delivery_pending_at_a_restart_is_delivered_by_the_next_dispatcher()
    {
        using var directory = new TempDirectory();
        var path = directory.File("central.db");
        await using var receiver = await WebhookReceiver.StartAsync(503);

        // Before the restart: the receiver is down (503); the retry is due in an hour, long after this dispatcher stops.
        await using (var store = await SqliteCentralStore.OpenAsync(path, TimeProvider.System))
        {
            var outbox = new WebhookOutbox(store);
            await store.CreateWebhookAsync(receiver.Url.ToString(), [WebhookOutbox.AttendeeRegistered], "whsec_restart", DateTimeOffset.UtcNow);
            using var first = new WebhookDispatcher(store, outbox, TimeProvider.System, new WebhookDispatcherOptions { InitialBackoff = TimeSpan.FromHours(1), AllowPrivateAddresses = true });
            var attempted = Signal.New();
            first.Attempted += _ => attempted.TrySetResult();
            await first.StartAsync(CancellationToken.None);
            await outbox.PublishAsync([new WebhookEvent(WebhookOutbox.AttendeeRegistered, """{"id":"A1"}""", DateTimeOffset.UtcNow)]);
            await attempted.Task.WithTimeout("the first attempt, refused by the receiver");
            await first.StopAsync(CancellationToken.None);
            Assert.Equal((1L, 0L, 0L), await store.CountDeliveriesAsync());
        }

        // After: a new store over the same file and a new dispatcher, two hours later; the receiver is back.
        var later = new OffsetTime(TimeSpan.FromHours(2));
        await using (var store = await SqliteCentralStore.OpenAsync(path, later))
        {
            using var second = new WebhookDispatcher(store, new WebhookOutbox(store), later, new WebhookDispatcherOptions { AllowPrivateAddresses = true });
            var delivered = Signal.New();
            second.Attempted += a =>
            {
                if (a.Delivered)
                {
                    delivered.TrySetResult();
                }
            };

            await second.StartAsync(CancellationToken.None);
            await delivered.Task.WithTimeout("the pending delivery to be sent after the restart");
            await second.StopAsync(CancellationToken.None);
            Assert.Equal((0L, 1L, 0L), await store.CountDeliveriesAsync());
        }

        Assert.Equal([503, 200], receiver.Received.Select(h => h.AnsweredWith));
        Assert.Equal(receiver.Received[0].Text, receiver.Received[1].Text);
        Assert.Equal("""{"id":"A1"}""", JsonDocument.Parse(receiver.Received[1].Body).RootElement.GetProperty("data").GetRawText());
        AssertSignedWith("whsec_restart", receiver.Received[1], later.GetUtcNow());
    }

    [Fact]
    public async Task The_dispatcher_removes_deliveries_finished_longer_ago_than_it_keeps_them_and_keeps_the_rest()
    {
        using var directory = new TempDirectory();
        await using var store = await SqliteCentralStore.OpenAsync(directory.File("central.db"), TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        await store.CreateWebhookAsync("https://crm.example/hooks", [WebhookOutbox.AttendeeRegistered], "whsec_prune", now.AddDays(-10));
        await store.EnqueueWebhookEventsAsync([.. Enumerable.Range(1, 2).Select(i => new WebhookEvent(WebhookOutbox.AttendeeRegistered, $$"""{"n":{{i}}}""", now.AddDays(-10)))]);
        var rows = await store.ReadDueDeliveriesAsync(now, 10);
        await store.MarkDeliveredAsync(rows[0].Id, now.AddDays(-8));
        await store.MarkDeliveredAsync(rows[1].Id, now.AddDays(-1));

        // Default options: finished deliveries are kept 7 days.
        using var dispatcher = new WebhookDispatcher(store, new WebhookOutbox(store), TimeProvider.System, new WebhookDispatcherOptions());
        await dispatcher.StartAsync(CancellationToken.None);
        await Venue.Testing.Processes.Eventually.UntilAsync(async () => (await store.CountDeliveriesAsync()).Delivered == 1, Signal.Limit,
            "the delivery finished 8 days ago to be removed");
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Equal((0L, 1L, 0L), await store.CountDeliveriesAsync());
    }

    /// <summary>The system clock moved forward: timers are real, the wall clock reads later.</summary>
    private sealed class OffsetTime(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }

    [Fact]
    public async Task By_default_the_dispatcher_does_not_connect_to_a_receiver_on_a_loopback_address()
    {
        using var directory = new TempDirectory();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var store = await SqliteCentralStore.OpenAsync(directory.File("central.db"), TimeProvider.System);
        var outbox = new WebhookOutbox(store);
        // Stored directly (the API refuses it): a name that resolves inward, as one registered earlier might come to.
        await store.CreateWebhookAsync($"http://localhost:{receiver.Url.Port}/hook", [WebhookOutbox.AttendeeRegistered], "whsec_inward", DateTimeOffset.UtcNow);
        using var dispatcher = new WebhookDispatcher(store, outbox, TimeProvider.System,
            new WebhookDispatcherOptions { InitialBackoff = TimeSpan.FromHours(1), PollInterval = TimeSpan.FromMilliseconds(100) });
        var attempted = new TaskCompletionSource<WebhookAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
        dispatcher.Attempted += a => attempted.TrySetResult(a);

        await dispatcher.StartAsync(CancellationToken.None);
        await outbox.PublishAsync([new WebhookEvent(WebhookOutbox.AttendeeRegistered, """{"id":"A1"}""", DateTimeOffset.UtcNow)]);
        var attempt = await attempted.Task.WithTimeout("the attempt to reach a loopback receiver");
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.False(attempt.Delivered);
        Assert.Empty(receiver.Received);
        Assert.Equal((1L, 0L, 0L), await store.CountDeliveriesAsync());
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.0.0.5", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("192.168.1.20", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("224.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("::ffff:10.1.2.3", true)]
    [InlineData("198.18.0.1", true)]
    [InlineData("192.0.0.8", true)]
    [InlineData("64:ff9b::a9fe:a9fe", true)]
    [InlineData("64:ff9b::5db8:d822", false)]
    [InlineData("2002:a00:5::1", true)]
    [InlineData("::a00:5", true)]
    [InlineData("93.184.216.34", false)]
    [InlineData("2606:4700::6810:85e5", false)]
    public void Internal_addresses_are_told_from_public_ones(string address, bool isInternal) =>
        Assert.Equal(isInternal, WebhookAddresses.IsInternal(System.Net.IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://localhost./hook")]
    [InlineData("http://LOCALHOST/hook")]
    [InlineData("http://api.localhost./hook")]
    [InlineData("http://[fe80::1%25eth0]/hook")]
    [InlineData("http://[::ffff:169.254.169.254]/hook")]
    [InlineData("http://2852039166/hook")]
    [InlineData("http://0x7f000001/hook")]
    [InlineData("http://127.1/hook")]
    [InlineData("http://169.254.169.254./hook")]
    public void An_inward_url_in_any_spelling_is_refused_at_registration(string url) =>
        Assert.NotNull(WebhookAddresses.Refusal(new Uri(url)));

    [Fact]
    public async Task A_delivery_is_given_up_after_the_last_attempt()
    {
        using var directory = new TempDirectory();
        await using var receiver = await WebhookReceiver.StartAsync(500, 500, 500, 500);
        await using var store = await SqliteCentralStore.OpenAsync(directory.File("central.db"), TimeProvider.System);
        var outbox = new WebhookOutbox(store);
        await store.CreateWebhookAsync(receiver.Url.ToString(), [WebhookOutbox.AttendeeRevoked], "whsec_x", DateTimeOffset.UtcNow);
        using var dispatcher = new WebhookDispatcher(store, outbox, TimeProvider.System,
            new WebhookDispatcherOptions { InitialBackoff = TimeSpan.FromMilliseconds(10), MaxAttempts = 3, PollInterval = TimeSpan.FromMilliseconds(100), AllowPrivateAddresses = true });
        var givenUp = Signal.New();
        dispatcher.Attempted += a =>
        {
            if (!a.Delivered && a.NextAttemptAt is null)
            {
                givenUp.TrySetResult();
            }
        };

        await dispatcher.StartAsync(CancellationToken.None);
        await outbox.PublishAsync([new WebhookEvent(WebhookOutbox.AttendeeRevoked, """{"id":"A1"}""", DateTimeOffset.UtcNow)]);
        await givenUp.Task.WithTimeout("the third failed attempt to give the delivery up");
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Equal(3, receiver.Received.Count);
        Assert.Equal((0L, 0L, 1L), await store.CountDeliveriesAsync());
    }

    [Fact]
    public async Task A_given_up_delivery_shows_in_the_webhooks_status_and_is_sent_again_when_the_integrator_retries_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync(500, 500);
        await using var central = await IntegratorHost.StartAsync(new Dictionary<string, string?>
        {
            ["Central:Webhooks:InitialBackoff"] = "00:00:00.010",
            ["Central:Webhooks:MaxAttempts"] = "2",
        });
        var api = central.Client(await central.CreateKeyAsync(ApiScope.WebhooksWrite, ApiScope.AttendeesWrite));
        using var created = await api.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url, eventTypes = new[] { "attendee.registered" } });
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var givenUp = Signal.New();
        var delivered = Signal.New();
        central.Dispatcher.Attempted += a => (a.Delivered ? delivered : a.NextAttemptAt is null ? givenUp : null)?.TrySetResult();

        await api.PostAsync("/v1/attendees", new StringContent("""{"id": "A1", "name": "Ada", "ticketType": "general"}""", Encoding.UTF8, "application/json"));
        await givenUp.Task.WithTimeout("the second failed attempt to give the delivery up");
        var failed = JsonDocument.Parse(await api.GetStringAsync($"/v1/webhooks/{id}")).RootElement.GetProperty("deliveries");
        var listed = JsonDocument.Parse(await api.GetStringAsync("/v1/webhooks")).RootElement.GetProperty("webhooks")[0].GetProperty("deliveries");
        using var retried = await api.PostAsync($"/v1/webhooks/{id}/retry", null);
        var retriedBody = JsonDocument.Parse(await retried.Content.ReadAsStringAsync()).RootElement;
        await delivered.Task.WithTimeout("the retried delivery to be delivered");
        var after = JsonDocument.Parse(await api.GetStringAsync($"/v1/webhooks/{id}")).RootElement.GetProperty("deliveries");
        using var unknown = await api.PostAsync("/v1/webhooks/nope/retry", null);

        Assert.Equal((0, 0, 1, "HTTP 500 Internal Server Error"), (failed.GetProperty("pending").GetInt64(), failed.GetProperty("delivered").GetInt64(),
            failed.GetProperty("failed").GetInt64(), failed.GetProperty("lastError").GetString()));
        Assert.Equal(failed.ToString(), listed.ToString());
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(1, retriedBody.GetProperty("retried").GetInt32());
        Assert.Equal([500, 500, 200], receiver.Received.Select(h => h.AnsweredWith));
        Assert.Single(receiver.Received.Select(h => h.Headers[WebhookDispatcher.IdHeader]).Distinct());
        Assert.Equal((0, 1, 0), (after.GetProperty("pending").GetInt64(), after.GetProperty("delivered").GetInt64(), after.GetProperty("failed").GetInt64()));
        Assert.False(after.TryGetProperty("lastError", out _), "nothing undelivered failed");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Each_retry_runs_at_its_own_time_not_at_the_next_poll()
    {
        using var directory = new TempDirectory();
        await using var receiver = await WebhookReceiver.StartAsync(500, 500, 500);
        await using var store = await SqliteCentralStore.OpenAsync(directory.File("central.db"), TimeProvider.System);
        var outbox = new WebhookOutbox(store);
        await store.CreateWebhookAsync(receiver.Url.ToString(), [WebhookOutbox.AttendeeRevoked], "whsec_x", DateTimeOffset.UtcNow);
        // Backoffs of about 0.1, 0.2 and 0.4 s; a poll only every minute, so a retry that waited for it would time out here.
        using var dispatcher = new WebhookDispatcher(store, outbox, TimeProvider.System,
            new WebhookDispatcherOptions { InitialBackoff = TimeSpan.FromMilliseconds(100), MaxAttempts = 10, PollInterval = TimeSpan.FromMinutes(1), AllowPrivateAddresses = true });
        var delivered = Signal.New();
        dispatcher.Attempted += a =>
        {
            if (a.Delivered)
            {
                delivered.TrySetResult();
            }
        };

        await dispatcher.StartAsync(CancellationToken.None);
        await outbox.PublishAsync([new WebhookEvent(WebhookOutbox.AttendeeRevoked, """{"id":"A1"}""", DateTimeOffset.UtcNow)]);
        await delivered.Task.WithTimeout("three failed attempts and a fourth, each at its backoff");
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Equal([500, 500, 500, 200], receiver.Received.Select(h => h.AnsweredWith));
    }

    [Fact]
    public async Task A_subscriber_that_never_answers_does_not_hold_up_deliveries_to_the_others()
    {
        const int events = 200;
        using var directory = new TempDirectory();
        await using var store = await SqliteCentralStore.OpenAsync(directory.File("central.db"), TimeProvider.System);
        var outbox = new WebhookOutbox(store);
        await store.CreateWebhookAsync("http://dead.test/hook", [WebhookOutbox.AttendeeRegistered], "whsec_dead", DateTimeOffset.UtcNow);
        await store.CreateWebhookAsync("http://ok.test/hook", [WebhookOutbox.AttendeeRegistered], "whsec_ok", DateTimeOffset.UtcNow);
        var subscribers = new SilentHostHandler("dead.test");
        // Retries an hour away: each of dead.test's deliveries is tried at most once here, so its
        // requests count the deliveries its lane has reached.
        var options = new WebhookDispatcherOptions { RequestTimeout = TimeSpan.FromMilliseconds(500), InitialBackoff = TimeSpan.FromHours(1) };
        using var dispatcher = new WebhookDispatcher(store, outbox, TimeProvider.System, options, handler: subscribers);
        var okDelivered = 0;
        var deadReachedWhenOkWasDone = -1;
        var okDone = Signal.New();
        dispatcher.Attempted += a =>
        {
            if (a.Delivered && a.Delivery.Webhook.Url.Contains("ok.test", StringComparison.Ordinal) && Interlocked.Increment(ref okDelivered) == events)
            {
                deadReachedWhenOkWasDone = subscribers.Started("dead.test");
                okDone.TrySetResult();
            }
        };

        await dispatcher.StartAsync(CancellationToken.None);
        await outbox.PublishAsync([.. Enumerable.Range(0, events).Select(i =>
            new WebhookEvent(WebhookOutbox.AttendeeRegistered, $$"""{"id":"A{{i}}"}""", DateTimeOffset.UtcNow))]);
        await okDone.Task.WithTimeout($"all {events} deliveries to ok.test while dead.test never answers");
        await dispatcher.StopAsync(CancellationToken.None).WithTimeout("the dispatcher to stop with requests to dead.test unanswered");

        // Sharing batches, ok.test's last delivery would wait for dead.test's deliveries ahead of it
        // to time out: at least three quarters of them. Served on its own, it waits for none.
        Assert.InRange(deadReachedWhenOkWasDone, 0, events / 2 - 1);
        Assert.Equal(events, subscribers.Started("ok.test"));
        Assert.InRange(subscribers.MostHangingAtOnce, 1, options.MaxConcurrencyPerWebhook);
        Assert.Equal(0, subscribers.Hanging);
        var (pending, delivered, failed) = await store.CountDeliveriesAsync();
        Assert.Equal(((long)events, (long)events, 0L), (pending, delivered, failed));
    }

    [Fact]
    public async Task A_webhook_deleted_while_its_requests_hang_stops_being_served_and_one_created_is_served()
    {
        using var directory = new TempDirectory();
        await using var store = await SqliteCentralStore.OpenAsync(directory.File("central.db"), TimeProvider.System);
        var outbox = new WebhookOutbox(store);
        var dead = await store.CreateWebhookAsync("http://dead.test/hook", [WebhookOutbox.AttendeeRevoked], "whsec_dead", DateTimeOffset.UtcNow);
        var subscribers = new SilentHostHandler("dead.test");
        // Requests wait up to five minutes: only dropping the deleted webhook's lane ends them within this test.
        using var dispatcher = new WebhookDispatcher(store, outbox, TimeProvider.System,
            new WebhookDispatcherOptions { RequestTimeout = TimeSpan.FromMinutes(5), PollInterval = TimeSpan.FromMilliseconds(100) }, handler: subscribers);
        var okDelivered = Signal.New();
        dispatcher.Attempted += a =>
        {
            if (a.Delivered && a.Delivery.Webhook.Url.Contains("ok.test", StringComparison.Ordinal))
            {
                okDelivered.TrySetResult();
            }
        };

        await dispatcher.StartAsync(CancellationToken.None);
        await outbox.PublishAsync([.. Enumerable.Range(0, 3).Select(i =>
            new WebhookEvent(WebhookOutbox.AttendeeRevoked, $$"""{"id":"A{{i}}"}""", DateTimeOffset.UtcNow))]);
        await subscribers.Until(s => s.Hanging == 3).WithTimeout("three requests to dead.test, unanswered");
        Assert.True(await store.DeleteWebhookAsync(dead.Id));
        await subscribers.Until(s => s.Abandoned == 3).WithTimeout("the deleted webhook's requests to be dropped");

        await store.CreateWebhookAsync("http://ok.test/hook", [WebhookOutbox.AttendeeRevoked], "whsec_ok", DateTimeOffset.UtcNow);
        await outbox.PublishAsync([new WebhookEvent(WebhookOutbox.AttendeeRevoked, """{"id":"A9"}""", DateTimeOffset.UtcNow)]);
        await okDelivered.Task.WithTimeout("the delivery to the webhook created while running");
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Equal(3, subscribers.Started("dead.test"));
        Assert.Equal(1, subscribers.Started("ok.test"));
        Assert.Equal((0L, 1L, 0L), await store.CountDeliveriesAsync());
    }

    [Fact]
    public async Task A_webhook_with_a_bad_url_or_event_type_is_refused()
    {
        await using var central = await IntegratorHost.StartAsync();
        var api = central.Client(await central.CreateKeyAsync(ApiScope.WebhooksWrite));

        using var badUrl = await api.PostAsJsonAsync("/v1/webhooks", new { url = "ftp://example.com/x", eventTypes = new[] { "attendee.registered" } });
        using var badType = await api.PostAsJsonAsync("/v1/webhooks", new { url = "https://example.com/x", eventTypes = new[] { "attendee.deleted" } });
        using var extra = await api.PostAsJsonAsync("/v1/webhooks", new { url = "https://example.com/x", eventTypes = new[] { "attendee.registered" }, secret = "mine" });
        using var gone = await api.DeleteAsync("/v1/webhooks/nope");

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.NotFound],
            new[] { badUrl.StatusCode, badType.StatusCode, extra.StatusCode, gone.StatusCode });
        Assert.Contains("attendee.deleted", await badType.Content.ReadAsStringAsync());
        Assert.Empty(await central.Silo.Store.ListWebhooksAsync());
    }
}
