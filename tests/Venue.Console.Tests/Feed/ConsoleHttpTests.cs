using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Venue.Console.Tests.Infrastructure;
using Venue.Domain.Telemetry;
using Venue.OpsConsole.Feed;
using Venue.OpsConsole.Model;

namespace Venue.Console.Tests.Feed;

/// <summary>The console's HTTP surface on a real edge through Kestrel: who may use it, and the stream as clients see it.</summary>
public sealed class ConsoleHttpTests
{
    [Theory]
    [InlineData("/console/api/stream")]
    [InlineData("/console/api/snapshot")]
    [InlineData("/console/api/attendees/a1")]
    public async Task The_console_api_answers_401_with_a_problem_to_anyone_without_ops_credentials(string path)
    {
        await using var edge = await ConsoleEdge.StartAsync();
        using var response = await edge.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(401, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task After_a_restart_the_console_shows_each_zone_and_its_standing_alerts_as_the_journal_rebuilt_them()
    {
        using var layoutDirectory = new TempDirectory();
        var layout = layoutDirectory.File("layout.json");
        await File.WriteAllTextAsync(layout, """{ "zones": [ { "id": "hall-a", "name": "Hall A", "capacity": 4 }, { "id": "hall-b", "name": "Hall B", "capacity": 10 } ] }""");
        await using var edge = await ConsoleEdge.StartAsync(new Dictionary<string, string?> { ["Edge:LayoutPath"] = layout });
        for (var i = 0; i < 4; i++)
        {
            await edge.AdmitAsync();
        }

        await Eventually.UntilAsync(() => Task.FromResult(edge.Model.Snapshot().Alerts.Count(a => a.Active) == 3), Signal.Limit, "hall A's warn, alert and full alerts");

        await edge.RestartAsync();
        var snapshot = edge.Model.Snapshot();

        var hall = Assert.Single(snapshot.Zones, z => z.Id == "hall-a");
        Assert.Equal((4, "full"), (hall.Occupancy, hall.Level));
        Assert.Equal((0, "normal"), snapshot.Zones.Single(z => z.Id == "hall-b") is var b ? (b.Occupancy, b.Level) : default);
        Assert.Equal(["alert", "full", "warn"], snapshot.Alerts.Where(a => a.Active && a.Zone == "hall-a").Select(a => a.Level).Order(StringComparer.Ordinal));

        // The way down clears them, as it would have without the restart: in a hall of 4, below 3 (one
        // person under where they were raised, so one person stepping in and out does not flap them).
        var zone = edge.Silo.Grains.GetGrain<Venue.Domain.Zones.IZoneGrain>("hall-a");
        foreach (var inside in (await zone.GetOccupantsAsync(10)).Take(2))
        {
            await zone.LeaveAsync(inside.AttendeeId, DateTimeOffset.UtcNow);
        }

        var after = edge.Model.Snapshot();
        var cleared = after.Alerts.Where(a => !a.Active && a.Zone == "hall-a").Select(a => a.Level).ToList();
        Assert.Contains("full", cleared);
        Assert.Equal(3, cleared.Count + after.Alerts.Count(a => a.Active && a.Zone == "hall-a"));
    }

    [Fact]
    public async Task After_a_restart_the_alerts_ops_acknowledged_stay_acknowledged_and_one_raised_again_since_does_not()
    {
        using var layoutDirectory = new TempDirectory();
        var layout = layoutDirectory.File("layout.json");
        await File.WriteAllTextAsync(layout, """{ "zones": [ { "id": "hall-a", "name": "Hall A", "capacity": 10 } ] }""");
        await using var edge = await ConsoleEdge.StartAsync(new Dictionary<string, string?> { ["Edge:LayoutPath"] = layout });
        for (var i = 0; i < 10; i++)
        {
            await edge.AdmitAsync();
        }

        await Eventually.UntilAsync(() => Task.FromResult(edge.Model.Snapshot().Alerts.Count(a => a.Active) == 3), Signal.Limit, "hall A's warn, alert and full alerts");
        using (var ops = edge.OpsClient())
        {
            foreach (var alert in edge.Model.Snapshot().Alerts)
            {
                using var ack = await ops.PostAsync($"/console/api/alerts/{alert.Id}/acknowledge", null);
                Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
            }
        }

        // Two leave (full clears below 9 in a hall of 10; alert and warn stand) and two more come: full is raised anew, unseen.
        var zone = edge.Silo.Grains.GetGrain<Venue.Domain.Zones.IZoneGrain>("hall-a");
        foreach (var inside in (await zone.GetOccupantsAsync(10)).Take(2))
        {
            await zone.LeaveAsync(inside.AttendeeId, DateTimeOffset.UtcNow);
        }

        await edge.AdmitAsync();
        await edge.AdmitAsync();
        await Eventually.UntilAsync(() => Task.FromResult(edge.Model.Snapshot().Alerts.Count(a => a.Active) == 3), Signal.Limit, "hall A's full alert raised again");
        var before = Standing(edge);
        Assert.Equal(["alert seen", "full unseen", "warn seen"], before.Select(a => $"{a.Level} {(a.AcknowledgedBy is null ? "unseen" : "seen")}"));

        await edge.RestartAsync();

        var after = Standing(edge);
        Assert.Equal(before.Select(a => (a.Level, a.AcknowledgedAt, a.AcknowledgedBy)), after.Select(a => (a.Level, a.AcknowledgedAt, a.AcknowledgedBy)));
        // An acknowledged one also keeps when it was raised (an unseen one is raised anew at the zone's last change, as before).
        Assert.Equal(before.Where(a => a.AcknowledgedAt is not null).Select(a => a.RaisedAt), after.Where(a => a.AcknowledgedAt is not null).Select(a => a.RaisedAt));
        Assert.True(File.Exists(Path.Combine(edge.DataDirectory, AlertAcknowledgements.FileName)), "the acknowledgements are kept in the edge's data directory");

        static List<AlertView> Standing(ConsoleEdge edge) =>
            [.. edge.Model.Snapshot().Alerts.Where(a => a.Active && a.Zone == "hall-a").OrderBy(a => a.Level, StringComparer.Ordinal)];
    }

    [Fact]
    public async Task A_scanner_token_is_refused_with_403()
    {
        await using var edge = await ConsoleEdge.StartAsync();
        var answer = await edge.Scanner.GetAsync("/console/api/snapshot");
        Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
    }

    [Fact]
    public async Task The_page_itself_is_served_to_anyone_with_a_strict_content_security_policy()
    {
        await using var edge = await ConsoleEdge.StartAsync();
        using var page = await edge.Http.GetAsync("/console/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        using var script = await edge.Http.GetAsync("/console/app.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/console/app.js");
        again.Headers.TryAddWithoutValidation("If-None-Match", script.Headers.ETag!.ToString());
        using var revalidated = await edge.Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    [Fact]
    public async Task The_console_api_is_described_in_the_silos_OpenAPI_document()
    {
        await using var edge = await ConsoleEdge.StartAsync();
        var document = await edge.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/console/api/stream", out var stream), $"paths: {string.Join(", ", paths.EnumerateObject().Select(p => p.Name))}");
        Assert.True(stream.GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));
        Assert.True(paths.TryGetProperty("/console/session", out _));
        Assert.True(paths.TryGetProperty("/v1/gates/{gateId}/scans", out _));
    }

    [Fact]
    public async Task Signing_in_with_an_ops_token_sets_an_HttpOnly_SameSite_Strict_cookie_that_opens_the_stream()
    {
        await using var edge = await ConsoleEdge.StartAsync();
        using var response = await edge.Http.PostAsJsonAsync("/console/session", new { token = edge.OpsToken });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var setCookie = response.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith("venue_console_north=", setCookie, StringComparison.Ordinal);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/console", setCookie, StringComparison.OrdinalIgnoreCase);

        var cookie = setCookie.Split(';')[0];
        await using var stream = await SseStream.OpenAsync(edge.Http, cookie: cookie);
        Assert.Equal(HttpStatusCode.OK, stream.Status);
        Assert.Equal("text/event-stream", stream.ContentType);
    }

    [Theory]
    [InlineData("north", "venue_console_north")]
    [InlineData("edge-2", "venue_console_edge-2")]
    [InlineData("hall a;b=c", "venue_console_hall_a_b_c")]
    public void Each_silo_names_its_own_session_cookie_with_cookie_name_characters_only(string siloId, string expected) =>
        Assert.Equal(expected, Venue.OpsConsole.Security.ConsoleAuthentication.CookieNameFor(siloId));

    [Fact]
    public async Task Signing_in_with_an_unknown_token_is_401_and_with_a_scanner_token_403()
    {
        await using var edge = await ConsoleEdge.StartAsync();
        using var unknown = await edge.Http.PostAsJsonAsync("/console/session", new { token = "vdt_000000000000_nope" });
        using var scanner = await edge.Http.PostAsJsonAsync("/console/session", new { token = edge.ScannerToken });
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, scanner.StatusCode);
        Assert.False(unknown.Headers.Contains("Set-Cookie"));
        Assert.Contains("'venue central devices add --role ops' at central", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("This is a scanner token;", (await scanner.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain", "vdt_x", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/json", "", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "null", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "{\"token\":", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "{\"token\": 42}", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "{}", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "{\"tokn\": \"vdt_x\"}", HttpStatusCode.BadRequest)]
    public async Task A_sign_in_that_is_no_JSON_token_gets_a_problem_with_a_detail_and_counts_as_no_failed_guess(string mediaType, string body, HttpStatusCode expected)
    {
        await using var edge = await ConsoleEdge.StartAsync();
        for (var i = 0; i < Venue.OpsConsole.Security.SignInThrottle.FailuresAllowed; i++)
        {
            using var bad = await edge.Http.PostAsync("/console/session", new StringContent(body, System.Text.Encoding.UTF8, mediaType));
            var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(expected, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
            Assert.Contains("token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var signIn = await edge.Http.PostAsJsonAsync("/console/session", new { token = edge.OpsToken });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_megabyte_sign_in_is_refused_with_413_at_4_KB_with_or_without_a_length(bool withLength)
    {
        await using var edge = await ConsoleEdge.StartAsync();
        var huge = "{\"token\":\"" + new string('x', 1 << 20) + "\"}";
        using var content = new StringContent(huge, System.Text.Encoding.UTF8, "application/json");
        if (!withLength)
        {
            // Chunked: no Content-Length to refuse on, so the reading itself stops at the limit.
            await content.LoadIntoBufferAsync();
            content.Headers.ContentLength = null;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/console/session") { Content = content };
        request.Headers.TransferEncodingChunked = !withLength;
        using var response = await edge.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("4,096 bytes", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ten_failed_sign_ins_from_one_address_get_429_with_a_retry_after_until_the_minute_is_over()
    {
        await using var edge = await ConsoleEdge.StartAsync();
        for (var i = 0; i < Venue.OpsConsole.Security.SignInThrottle.FailuresAllowed; i++)
        {
            using var guess = await edge.Http.PostAsJsonAsync("/console/session", new { token = $"vdt_guess{i}" });
            Assert.Equal(HttpStatusCode.Unauthorized, guess.StatusCode);
        }

        using var throttled = await edge.Http.PostAsJsonAsync("/console/session", new { token = edge.OpsToken });

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.InRange(throttled.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Assert.Contains("Too many failed sign-ins", await throttled.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(throttled.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_session_ends_when_its_ops_token_is_revoked()
    {
        await using var edge = await ConsoleEdge.StartAsync();
        using var signIn = await edge.Http.PostAsJsonAsync("/console/session", new { token = edge.OpsToken });
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        var devices = edge.Services.GetRequiredService<Domain.Devices.IDeviceCredentialStore>();
        var ops = (await devices.ListAsync()).Single(d => d.Role == Domain.Devices.DeviceRole.Ops);
        await devices.RevokeAsync(ops.Id);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/console/api/snapshot");
        request.Headers.Add("Cookie", cookie);
        using var response = await edge.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_quiet_stream_sends_a_ping_event_without_an_id_and_the_snapshot_says_how_often()
    {
        await using var edge = await ConsoleEdge.StartAsync(new Dictionary<string, string?> { ["Console:Feed:Heartbeat"] = "00:00:01" }, attendees: 20);
        using var ops = edge.OpsClient();
        var snapshot = await ops.GetFromJsonAsync<JsonElement>("/console/api/snapshot");
        Assert.Equal(1000, snapshot.GetProperty("heartbeatMs").GetInt64());

        // A browser fires no event for a comment: the heartbeat is an event it sees, with no id so Last-Event-ID stays put.
        await using var stream = await SseStream.OpenAsync(ops);
        var ping = await stream.NextAsync("a ping on the quiet stream");
        Assert.Equal(("ping", null, "{}"), (ping.Type, ping.Id, ping.Data));
        await edge.AdmitAsync("G01");
        var scan = (await stream.TakeAsync(1, "scan"))[0];
        Assert.NotNull(scan.Id);
    }

    [Fact]
    public async Task A_sign_in_holds_at_most_its_streams_per_session_a_new_one_ending_the_oldest_and_other_sign_ins_untouched()
    {
        await using var edge = await ConsoleEdge.StartAsync(new Dictionary<string, string?> { ["Console:Feed:StreamsPerSession"] = "2" });
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = edge.Address };
        async Task<string> SignInAsync()
        {
            using var signIn = await http.PostAsJsonAsync("/console/session", new { token = edge.OpsToken });
            return signIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        }

        var tablet = await SignInAsync();
        var desk = await SignInAsync();
        await using var deskStream = await SseStream.OpenAsync(http, cookie: desk);
        await using var first = await SseStream.OpenAsync(http, cookie: tablet);
        await using var second = await SseStream.OpenAsync(http, cookie: tablet);
        await Eventually.UntilAsync(() => Task.FromResult(edge.Feed.Clients == 3), Signal.Limit, "three streams to be subscribed");

        // The tablet's Wi-Fi dropped and it reconnected: a third stream of that sign-in.
        await using var third = await SseStream.OpenAsync(http, cookie: tablet);

        Assert.Equal(HttpStatusCode.OK, third.Status);
        Assert.True(await first.EndsAsync(), "the sign-in's oldest stream ends");
        await edge.AdmitAsync();
        Assert.Equal("scan", (await second.NextAsync("the scan on the second stream")).Type);
        Assert.Equal("scan", (await third.NextAsync("the scan on the new stream")).Type);
        Assert.Equal("scan", (await deskStream.NextAsync("the scan on the other sign-in's stream")).Type);
        Assert.Equal(3, edge.Feed.Clients);
    }

    [Fact]
    public async Task An_open_stream_ends_when_its_ops_token_is_revoked_and_the_others_go_on()
    {
        await using var edge = await ConsoleEdge.StartAsync(new Dictionary<string, string?> { ["Console:Feed:CredentialCheck"] = "00:00:00.100" });
        var devices = edge.Services.GetRequiredService<Domain.Devices.IDeviceCredentialStore>();
        var (other, otherToken) = await devices.CreateAsync("second desk", Domain.Devices.DeviceRole.Ops);
        await using var revoked = await SseStream.OpenAsync(edge.Http, bearer: edge.OpsToken);
        await using var kept = await SseStream.OpenAsync(edge.Http, bearer: otherToken);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (revoked.Status, kept.Status));
        await Eventually.UntilAsync(() => Task.FromResult(edge.Feed.Clients == 2), Signal.Limit, "both streams to be subscribed");

        var first = (await devices.ListAsync()).Single(d => d.Role == Domain.Devices.DeviceRole.Ops && d.Id != other.Id);
        await devices.RevokeAsync(first.Id);

        Assert.True(await revoked.EndsAsync(), "the revoked token's stream ends");
        await edge.AdmitAsync();
        Assert.Equal("scan", (await kept.NextAsync("the scan on the other stream")).Type);
        await using var again = await SseStream.OpenAsync(edge.Http, bearer: edge.OpsToken);
        Assert.Equal(HttpStatusCode.Unauthorized, again.Status);
    }

    [Fact]
    public async Task Signing_out_ends_the_session_on_the_silo_so_a_copy_of_the_cookie_and_its_open_stream_stop_also_after_a_restart()
    {
        await using var edge = await ConsoleEdge.StartAsync(new Dictionary<string, string?> { ["Console:Feed:CredentialCheck"] = "00:00:00.100" });
        // Cookies by hand, as a copy of one would be sent: no cookie jar of the client's own.
        HttpClient Jarless() => new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = edge.Address };
        var http = Jarless();
        using var signIn = await http.PostAsJsonAsync("/console/session", new { token = edge.OpsToken });
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        using var other = await http.PostAsJsonAsync("/console/session", new { token = edge.OpsToken });
        var otherCookie = other.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        await using var stream = await SseStream.OpenAsync(http, cookie: cookie);
        Assert.Equal(HttpStatusCode.OK, stream.Status);
        async Task<HttpStatusCode> SnapshotAsync(string withCookie)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/console/api/snapshot");
            request.Headers.Add("Cookie", withCookie);
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        // The browser signs out; someone kept a copy of its cookie.
        using var signOut = new HttpRequestMessage(HttpMethod.Delete, "/console/session");
        signOut.Headers.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(signOut)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await SnapshotAsync(cookie));
        Assert.True(await stream.EndsAsync(), "the signed-out session's stream ends");
        // Another session of the same token goes on.
        Assert.Equal(HttpStatusCode.OK, await SnapshotAsync(otherCookie));
        await edge.RestartAsync();
        http.Dispose();
        http = Jarless(); // the restarted edge listens on a port of its own
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.OK), (await SnapshotAsync(cookie), await SnapshotAsync(otherCookie)));
        http.Dispose();
    }

    [Fact]
    public async Task A_session_outlives_a_restart_of_the_edge_because_its_keys_are_in_the_data_directory()
    {
        await using var edge = await ConsoleEdge.StartAsync();
        using var signIn = await edge.Http.PostAsJsonAsync("/console/session", new { token = edge.OpsToken });
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        var keys = Path.Combine(edge.DataDirectory, OpsConsole.Security.ConsoleAuthentication.KeysDirectory);
        Assert.NotEmpty(Directory.GetFiles(keys, "key-*.xml"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(keys));
        }

        await edge.RestartAsync();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/console/api/snapshot");
        request.Headers.Add("Cookie", cookie);
        using var response = await edge.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/console/api/snapshot");
        forged.Headers.Add("Cookie", cookie[..^4] + "AAAA");
        using var refused = await edge.Http.SendAsync(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Central_keeps_its_session_keys_in_its_data_directory_too()
    {
        await using var central = await ConsoleCentral.StartAsync();
        using var http = new HttpClient { BaseAddress = central.Address };
        using var signIn = await http.PostAsJsonAsync("/console/session", new { token = central.OpsToken });

        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(central.DataDirectory, OpsConsole.Security.ConsoleAuthentication.KeysDirectory), "key-*.xml"));
    }

    [Fact]
    public async Task A_scan_reaches_the_stream_as_the_next_sequence_number_with_the_gates_counters()
    {
        await using var edge = await ConsoleEdge.StartAsync();
        using var ops = edge.OpsClient();
        var snapshot = await ops.GetFromJsonAsync<JsonElement>("/console/api/snapshot");
        var after = $"{snapshot.GetProperty("epoch").GetString()}-{snapshot.GetProperty("seq").GetInt64()}";
        await using var stream = await SseStream.OpenAsync(ops, $"/console/api/stream?after={after}");

        await edge.AdmitAsync("G01");
        var scan = (await stream.TakeAsync(1, "scan"))[0];
        Assert.Equal(snapshot.GetProperty("seq").GetInt64() + 1, scan.Seq);
        Assert.Equal($"{snapshot.GetProperty("epoch").GetString()}-{scan.Seq}", scan.Id);
        Assert.Equal("G01", scan.Payload.GetProperty("gate").GetString());
        Assert.Equal("admitted", scan.Payload.GetProperty("result").GetString());
        Assert.Equal(1, scan.Payload.GetProperty("counters").GetProperty("admitted").GetInt64());
    }

    [Fact]
    public async Task Reconnecting_with_Last_Event_ID_resumes_without_losing_or_repeating_an_event()
    {
        await using var edge = await ConsoleEdge.StartAsync();
        using var ops = edge.OpsClient();
        string lastId;
        await using (var first = await SseStream.OpenAsync(ops))
        {
            for (var i = 0; i < 3; i++)
            {
                await edge.AdmitAsync();
            }

            lastId = (await first.TakeAsync(3, "scan"))[^1].Id!;
        }

        // Scans while the client is away; the replay buffer holds them.
        for (var i = 0; i < 5; i++)
        {
            await edge.AdmitAsync("G02");
        }

        await using var resumed = await SseStream.OpenAsync(ops, lastEventId: lastId);
        await edge.AdmitAsync("G02");
        var events = await resumed.TakeAsync(6, "scan");
        Assert.True(FeedPosition.TryParse(lastId, out var position));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => position.Sequence + i), events.Select(e => e.Seq));
        Assert.Equal(6, events[^1].Payload.GetProperty("counters").GetProperty("admitted").GetInt64());
    }

    [Fact]
    public async Task A_Last_Event_ID_older_than_the_replay_buffer_gets_a_resync_event()
    {
        await using var edge = await ConsoleEdge.StartAsync(new Dictionary<string, string?> { ["Console:Feed:ReplayCapacity"] = "16" });
        using var ops = edge.OpsClient();
        var epoch = edge.Feed.Epoch;
        for (var i = 0; i < 20; i++)
        {
            edge.Model.Occupancy(new ZoneOccupancyChanged("hall-a", i, 100, ZoneLevel.Normal, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
        }

        await using var stream = await SseStream.OpenAsync(ops, lastEventId: $"{epoch}-1");
        var resync = await stream.NextAsync("a resync event");
        Assert.Equal("resync", resync.Type);
        Assert.Equal("behind", resync.Json.GetProperty("reason").GetString());
        Assert.True(await stream.EndsAsync());

        await using var restarted = await SseStream.OpenAsync(ops, lastEventId: "0badf00d-3");
        Assert.Equal("restarted", (await restarted.NextAsync("a resync event")).Json.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_client_falling_further_behind_than_the_ring_is_dropped_with_a_resync_while_publishing_goes_on()
    {
        await using var edge = await ConsoleEdge.StartAsync(new Dictionary<string, string?> { ["Console:Feed:ReplayCapacity"] = "64" });
        using var ops = edge.OpsClient();
        await using var stalled = await SseStream.OpenAsync(ops);
        await Eventually.UntilAsync(() => Task.FromResult(edge.Feed.Clients == 1), Signal.Limit, "the stream to be subscribed");

        // A burst faster than the client drains (16 MB of big events while the test reads nothing, so
        // socket buffers cannot absorb it) goes round the 64-event ring many times past the client's
        // position; the publisher never waits for it.
        var before = edge.Feed.Sequence;
        var padding = new string('z', 4000);
        const int published = 4_000;
        for (var i = 0; i < published; i++)
        {
            edge.Model.Occupancy(new ZoneOccupancyChanged($"{padding}{i % 50}", i, 100_000, ZoneLevel.Normal, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
        }

        // Scans are still answered, and their event published (by the journal's follower, just after).
        await edge.AdmitAsync();
        await Eventually.UntilAsync(() => Task.FromResult(edge.Feed.Sequence == before + published + 1), Signal.Limit, "the scan's event to be published");

        // The client learns it fell out of the ring when its stream next reads the feed.
        SseMessage last;
        do
        {
            last = await stalled.NextAsync("the stalled client's resync");
        }
        while (last.Type != "resync");
        Assert.Equal("slow", last.Json.GetProperty("reason").GetString());
        Assert.True(await stalled.EndsAsync());
        Assert.Equal(1, edge.Feed.SlowClientsDropped);
        Assert.Equal(0, edge.Feed.Clients);
    }

    [Fact]
    public async Task Acknowledging_an_alert_tells_every_console_who_saw_it()
    {
        await using var edge = await ConsoleEdge.StartAsync();
        using var ops = edge.OpsClient();
        var now = DateTimeOffset.UtcNow;
        var id = edge.Model.Alert(new ZoneAlert("hall-a", ZoneLevel.Alert, true, 930, 1000, now));
        await using var stream = await SseStream.OpenAsync(ops, lastEventId: $"{edge.Feed.Epoch}-{id}");

        using var ack = await ops.PostAsync($"/console/api/alerts/{id}/acknowledge", null);
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var alert = (await stream.TakeAsync(1, "alert"))[0].Payload;
        Assert.Equal(id, alert.GetProperty("id").GetInt64());
        Assert.StartsWith("ops:ops desk", alert.GetProperty("acknowledgedBy").GetString(), StringComparison.Ordinal);

        using var unknown = await ops.PostAsync("/console/api/alerts/99999/acknowledge", null);
        using var conflicts = await ops.PostAsync("/console/api/conflicts/1/acknowledge", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, conflicts.StatusCode);
    }

    [Fact]
    public async Task A_page_of_another_origin_cannot_acknowledge_with_the_session_cookie_and_the_console_s_own_page_can()
    {
        await using var edge = await ConsoleEdge.StartAsync();
        using var signIn = await edge.Http.PostAsJsonAsync("/console/session", new { token = edge.OpsToken });
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        var id = edge.Model.Alert(new ZoneAlert("hall-a", ZoneLevel.Alert, true, 930, 1000, DateTimeOffset.UtcNow));
        async Task<HttpResponseMessage> AcknowledgeAsync(string header, string value)
        {
            // A form post, as a page of another site (or another port of this host) can send without asking.
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/console/api/alerts/{id}/acknowledge") { Content = new FormUrlEncodedContent([]) };
            request.Headers.Add("Cookie", cookie);
            request.Headers.Add(header, value);
            return await edge.Http.SendAsync(request);
        }

        using var crossSite = await AcknowledgeAsync("Sec-Fetch-Site", "cross-site");
        using var otherPort = await AcknowledgeAsync("Sec-Fetch-Site", "same-site");
        using var oldBrowser = await AcknowledgeAsync("Origin", "http://evil.example");
        var snapshot = await edge.OpsClient().GetFromJsonAsync<JsonElement>("/console/api/snapshot");
        using var own = await AcknowledgeAsync("Sec-Fetch-Site", "same-origin");

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (crossSite.StatusCode, otherPort.StatusCode, oldBrowser.StatusCode));
        Assert.Contains("Cross-origin request", await crossSite.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var alert = snapshot.GetProperty("alerts").EnumerateArray().Single(a => a.GetProperty("id").GetInt64() == id);
        Assert.False(alert.TryGetProperty("acknowledgedBy", out var by) && by.ValueKind == JsonValueKind.String, alert.ToString());
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task The_attendee_lookup_shows_whether_someone_is_inside()
    {
        await using var edge = await ConsoleEdge.StartAsync();
        using var ops = edge.OpsClient();
        var answer = await edge.AdmitAsync("G02");
        var attendee = await ops.GetFromJsonAsync<JsonElement>($"/console/api/attendees/{answer.AttendeeId}");
        Assert.True(attendee.GetProperty("inside").GetBoolean());
        Assert.Equal("G02", attendee.GetProperty("lastGate").GetString());
        // It names a person: not for any cache to keep.
        using var lookup = await ops.GetAsync($"/console/api/attendees/{answer.AttendeeId}");
        Assert.True(lookup.Headers.CacheControl?.NoStore, lookup.Headers.ToString());
        using var unknown = await ops.GetAsync("/console/api/attendees/nobody");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
