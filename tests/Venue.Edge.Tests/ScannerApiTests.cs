using System.Globalization;
using System.Net;
using System.Text.Json;
using Venue.Edge.Tests.Infrastructure;

namespace Venue.Edge.Tests;

/// <summary>The scanner API over real HTTP: what a scanner sends and what it gets back.</summary>
public sealed class ScannerApiTests
{
    [Fact]
    public async Task An_admitted_scan_answers_200_with_result_reason_attendee_gate_time_nonce_and_server_timing()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l => badge = l.Add("A0001", "vip", name: "Ada Lovelace"));
        var before = DateTimeOffset.UtcNow;

        var answer = await edge.Scanner.ScanAsync("G01", badge, nonce: "nonce-1");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("application/json", answer.MediaType);
        var json = answer.Json;
        Assert.Equal("admitted", json.GetProperty("result").GetString());
        Assert.Equal("admitted", json.GetProperty("reason").GetString());
        var attendee = json.GetProperty("attendee");
        Assert.Equal("A0001", attendee.GetProperty("id").GetString());
        Assert.Equal("Ada Lovelace", attendee.GetProperty("name").GetString());
        Assert.Equal("vip", attendee.GetProperty("ticketType").GetString());
        Assert.Equal("G01", json.GetProperty("gateId").GetString());
        Assert.Equal("nonce-1", json.GetProperty("nonce").GetString());
        var at = json.GetProperty("at").GetDateTimeOffset();
        Assert.InRange(at, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        // Two metrics, in ms: the check-in itself, and the edge's whole request around it.
        var timing = Assert.Single(answer.Headers.GetValues("Server-Timing"));
        var metrics = timing.Split(',', StringSplitOptions.TrimEntries).Select(m => m.Split(";dur=")).ToList();
        Assert.True(metrics.Count == 2 && metrics.All(m => m.Length == 2), $"Server-Timing should read 'checkin;dur=X, request;dur=Y': '{timing}'");
        Assert.Equal(["checkin", "request"], metrics.Select(m => m[0]));
        var ms = metrics.Select(m => double.TryParse(m[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : -1).ToList();
        Assert.True(ms[0] >= 0 && ms[1] >= ms[0], $"the request's time must cover the check-in's: '{timing}'");
    }

    [Fact]
    public async Task A_second_scan_of_the_same_badge_is_refused_as_already_inside_even_at_another_gate()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l => badge = l.Add("A0001"));

        var first = await edge.Scanner.ScanAsync("G01", badge);
        var second = await edge.Scanner.ScanAsync("G02", badge);

        Assert.Equal("admitted", first.Result);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal("refused", second.Result);
        Assert.Equal("already_inside", second.Reason);
        Assert.Equal("A0001", second.AttendeeId);
        Assert.Equal("G02", second.Json.GetProperty("gateId").GetString());
    }

    [Fact]
    public async Task An_attendee_who_went_out_may_come_back_in_but_cannot_leave_twice()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l => badge = l.Add("A0001", "general"));
        var scanner = edge.Scanner;

        var entry = await scanner.ScanAsync("G01", badge, "entry");
        var exit = await scanner.ScanAsync("G02", badge, "exit");
        var exitAgain = await scanner.ScanAsync("G02", badge, "exit");
        var reentry = await scanner.ScanAsync("G03", badge, "entry");

        Assert.Equal(("admitted", "admitted"), (entry.Result, entry.Reason));
        Assert.Equal(("admitted", "exited"), (exit.Result, exit.Reason));
        Assert.Equal(("refused", "not_inside"), (exitAgain.Result, exitAgain.Reason));
        Assert.Equal(("admitted", "admitted"), (reentry.Result, reentry.Reason));
        var presence = await edge.Edge.Silo.GetPresenceAsync("A0001");
        Assert.True(presence.Inside);
        Assert.Equal((2, 1, "G03"), (presence.Entries, presence.Exits, presence.LastGate));
    }

    [Fact]
    public async Task A_day_pass_that_went_out_is_refused_re_entry()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l => badge = l.Add("D0001", "day-pass"));

        await edge.Scanner.ScanAsync("G01", badge, "entry");
        await edge.Scanner.ScanAsync("G01", badge, "exit");
        var back = await edge.Scanner.ScanAsync("G01", badge, "entry");

        Assert.Equal(("refused", "reentry_not_allowed"), (back.Result, back.Reason));
    }

    [Fact]
    public async Task A_gates_counters_move_with_every_scan_it_answers()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l => badge = l.Add("A0001"));
        var scanner = edge.Scanner;

        var idle = await scanner.GateAsync("G01");
        Assert.Equal(("G01", "North gate 1", "hall-a", true), (idle.GetProperty("gateId").GetString(), idle.GetProperty("name").GetString(),
            idle.GetProperty("zone").GetString(), idle.GetProperty("open").GetBoolean()));
        Assert.Equal(0, idle.GetProperty("scans").GetInt64());

        await scanner.ScanAsync("G01", badge, "entry");
        await scanner.ScanAsync("G01", badge, "entry");
        await scanner.ScanAsync("G01", badge, "exit");
        await scanner.ScanAsync("G01", "VN1.garbage", "entry");

        var busy = await scanner.GateAsync("G01");
        Assert.Equal(4, busy.GetProperty("scans").GetInt64());
        Assert.Equal(1, busy.GetProperty("admitted").GetInt64());
        Assert.Equal(1, busy.GetProperty("exited").GetInt64());
        Assert.Equal(2, busy.GetProperty("refused").GetInt64());
        var byReason = busy.GetProperty("byReason").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["admitted"] = 1, ["already_inside"] = 1, ["exited"] = 1, ["malformed"] = 1 }, byReason);
        Assert.Equal(JsonValueKind.String, busy.GetProperty("lastScanAt").ValueKind);

        var other = await scanner.GateAsync("G02");
        Assert.Equal(0, other.GetProperty("scans").GetInt64());
    }

    [Fact]
    public async Task Listing_gates_shows_every_gate_this_edge_serves_with_whether_it_is_open()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });

        var answer = await edge.Scanner.GetAsync("/v1/gates");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var gates = answer.Json.EnumerateArray().ToDictionary(g => g.GetProperty("gateId").GetString()!, g => g.GetProperty("open").GetBoolean());
        Assert.Equal(["C01", "G01", "G02", "G03", "G04", "L01", "S01"], gates.Keys);
        Assert.False(gates["C01"]);
        Assert.False(gates["L01"]);
        Assert.True(gates["G01"]);
    }

    [Fact]
    public async Task Health_answers_without_credentials_and_says_what_the_edge_holds()
    {
        await using var edge = await EdgeScenario.StartAsync(l =>
        {
            l.Add("A0001");
            l.Add("A0002");
        });

        var answer = await new ScannerClient(edge.Edge.Http, deviceToken: null).GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var json = answer.Json;
        Assert.Equal("ok", json.GetProperty("status").GetString());
        Assert.Equal("test-edge", json.GetProperty("edgeId").GetString());
        Assert.Equal(2, json.GetProperty("attendees").GetInt32());
        Assert.Equal(7, json.GetProperty("gates").GetInt32());
    }

    [Fact]
    public async Task The_OpenAPI_document_is_served_without_credentials_and_describes_the_scan_endpoint()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });

        var answer = await new ScannerClient(edge.Edge.Http, deviceToken: null).GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var paths = answer.Json.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/v1/gates/{gateId}/scans", out var scans), $"paths: {string.Join(", ", paths.EnumerateObject().Select(p => p.Name))}");
        Assert.True(scans.TryGetProperty("post", out var post));
        Assert.True(post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").TryGetProperty("schema", out _));
        var responses = post.GetProperty("responses");
        Assert.All(new[] { "200", "400", "401", "404", "413", "415", "429" }, code => Assert.True(responses.TryGetProperty(code, out _), $"no {code} in {responses}"));
        Assert.True(paths.TryGetProperty("/v1/gates/{gateId}", out _));
        Assert.True(paths.TryGetProperty("/healthz", out _));
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_the_problems_each_endpoint_answers_with()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var paths = (await new ScannerClient(edge.Edge.Http, deviceToken: null).GetAsync("/openapi/v1.json")).Json.GetProperty("paths");
        string[] Codes(string path, string method = "get") =>
            [.. paths.GetProperty(path).GetProperty(method).GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal)];

        // Every operation behind a credential lists 401 and 403; /healthz and the document itself are open.
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var responses = operation.Value.GetProperty("responses");
                var open = path.Name is "/healthz" or "/console/api/login" || path.Name.StartsWith("/console/", StringComparison.Ordinal) && !path.Name.StartsWith("/console/api/", StringComparison.Ordinal);
                Assert.True(open || (responses.TryGetProperty("401", out _) && responses.TryGetProperty("403", out _)),
                    $"{operation.Name.ToUpperInvariant()} {path.Name} lists {string.Join(", ", responses.EnumerateObject().Select(r => r.Name))}");
            }
        }

        // Gate reads share the scanner's rate limit.
        Assert.Equal(["200", "401", "403", "404", "429"], Codes("/v1/gates/{gateId}"));
        Assert.Equal(["200", "401", "403", "404"], Codes("/v1/zones/{zoneId}"));
        Assert.Equal(["200", "400", "401", "403", "404"], Codes("/v1/zones/{zoneId}/occupants"));
        Assert.Equal(["200", "400", "401", "403", "404"], Codes("/v1/leaderboards/{board}"));
        var leads = paths.GetProperty("/v1/booths/{boothId}/leads").GetProperty("get").GetProperty("responses");
        Assert.True(leads.GetProperty("200").GetProperty("content").TryGetProperty("text/csv", out _), leads.ToString());
        Assert.True(leads.TryGetProperty("400", out _) && leads.TryGetProperty("404", out _), leads.ToString());
    }
}
