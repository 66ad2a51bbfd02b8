using System.Net;
using System.Text.Json;
using Venue.Domain.Readers;
using Venue.Domain.Telemetry;
using Venue.Domain.Zones;

namespace Venue.Edge.Tests.Telemetry;

/// <summary>RFID reads posted over real HTTP move people between zones; gates put them in and take them out.</summary>
public sealed class ReadsOverHttpTests
{
    [Fact]
    public async Task An_admitted_attendee_read_outer_then_inner_by_a_Zebra_reader_moves_into_the_inner_zone_and_an_exit_scan_takes_them_out_of_every_zone()
    {
        await using var expo = await Expo.StartAsync(["A-1", "A-2"]);
        var before = await expo.OccupancyAsync();
        Assert.Equal(0, before["hall-a"]);

        var admittedAt = await expo.AdmitAsync("A-1");
        Assert.Equal(1, (await expo.OccupancyAsync())["hall-a"]);

        var reads = expo.RoomPass("A-1", inward: true, admittedAt.AddSeconds(1));
        var answer = await expo.PostZebraAsync(reads);

        var body = answer.Json;
        Assert.Equal((Expo.Zebra, 5, 5, 0, 0),
            (body.GetProperty("readerId").GetString(), body.GetProperty("reads").GetInt32(), body.GetProperty("accepted").GetInt32(),
             body.GetProperty("duplicates").GetInt32(), body.GetProperty("ignored").GetInt32()));
        // Answered after routing: the move is visible at once, no waiting.
        var occupancy = await expo.OccupancyAsync();
        Assert.Equal((0, 1, 0), (occupancy["hall-a"], occupancy["room-1"], occupancy["lobby"]));
        var location = await expo.LocationAsync("A-1");
        Assert.Equal("room-1", location.GetProperty("zone").GetString());
        Assert.True(location.GetProperty("admitted").GetBoolean(), location.ToString());
        // The movement's time is the first read on the destination side: the moment they crossed.
        Assert.Equal(reads[2].At, location.GetProperty("since").GetDateTimeOffset());
        var room = await expo.ZoneAsync("room-1");
        Assert.Equal((1L, 0L), (room.GetProperty("entries").GetInt64(), room.GetProperty("notAdmittedEntries").GetInt64()));
        var occupants = await expo.OkJsonAsync("/v1/zones/room-1/occupants");
        Assert.Equal(["A-1"], occupants.EnumerateArray().Select(o => o.GetProperty("attendeeId").GetString()));

        // Later than the reads by the edge's clock, as a real exit would be.
        expo.Scenario.Edge.Time.Advance(TimeSpan.FromMinutes(1));
        var exit = await expo.Scanner.ScanAsync("G02", expo.Badges["A-1"], "exit");
        Assert.Equal("exited", exit.Reason);
        await expo.ZoneOfAsync("A-1", null, "the exit scan to take them out of every zone");
        var after = await expo.OccupancyAsync();
        Assert.All(after, z => Assert.True(z.Value == 0, $"zone {z.Key} still counts {z.Value} after the only attendee left"));
        Assert.False((await expo.LocationAsync("A-1")).GetProperty("admitted").GetBoolean());
        Assert.Equal(1L, (await expo.ZoneAsync("room-1")).GetProperty("exits").GetInt64());
    }

    [Fact]
    public async Task A_pass_that_fails_to_apply_is_counted_and_the_rest_of_the_post_still_moves_people()
    {
        await using var expo = await Expo.StartAsync(["A-1", "A-2"]);
        await expo.AdmitAsync("A-1");
        var admittedAt = await expo.AdmitAsync("A-2");
        // A follower of room-1's occupancy (the console, say) fails once: the first move into the room fails part way.
        var failures = 1;
        using var failing = expo.Scenario.Edge.Silo.Streams.GetStream<ZoneOccupancyChanged>(new(TelemetryStreams.ZoneOccupancy, "room-1"))
            .Subscribe(_ => Interlocked.Decrement(ref failures) >= 0 ? throw new InvalidOperationException("subscriber down (injected by the test)") : Task.CompletedTask);

        var answer = await expo.PostZebraAsync([.. expo.RoomPass("A-1", inward: true, admittedAt.AddSeconds(1)), .. expo.RoomPass("A-2", inward: true, admittedAt.AddSeconds(10))]);

        // The reads are journaled and acknowledged: a retry of them would only be dropped as duplicates.
        Assert.Equal(10, answer.Json.GetProperty("accepted").GetInt32());
        await expo.ZoneOfAsync("A-2", "room-1", "the second pass to move its attendee after the first failed");
        Assert.Equal(1L, (await expo.TelemetryHealthAsync()).GetProperty("portalMoveFailures").GetInt64());
    }

    [Fact]
    public async Task A_pass_decided_by_the_portal_timer_that_fails_to_apply_is_counted_by_the_edge()
    {
        await using var expo = await Expo.StartAsync(["A-1"]);
        var admittedAt = await expo.AdmitAsync("A-1");
        var failures = 1;
        using var failing = expo.Scenario.Edge.Silo.Streams.GetStream<ZoneOccupancyChanged>(new(TelemetryStreams.ZoneOccupancy, "room-1"))
            .Subscribe(_ => Interlocked.Decrement(ref failures) >= 0 ? throw new InvalidOperationException("subscriber down (injected by the test)") : Task.CompletedTask);

        // Seen by the room's antenna only: the pass ends when the doorway has been quiet for the
        // direction window, decided by the portal's timer, with no batch to hear of its failure.
        await expo.PostZebraAsync([new(expo.NextEventNum(Expo.Zebra), "A-1", Expo.RoomSide, admittedAt.AddSeconds(1))]);

        await Eventually.UntilAsync(async () => (await expo.TelemetryHealthAsync()).GetProperty("portalMoveFailures").GetInt64() == 1,
            TimeSpan.FromSeconds(15), "the timer's failed move to be counted in /healthz");
        var portal = (await expo.OkJsonAsync("/v1/portals")).EnumerateArray().Single(p => p.GetProperty("portalId").GetString() == "hall-a-room-1");
        Assert.Equal(1L, portal.GetProperty("moveFailures").GetInt64());
    }

    [Fact]
    public async Task A_retried_admission_is_answered_as_the_first_time_and_moves_nobody_again()
    {
        await using var expo = await Expo.StartAsync(["A-1", "A-2"]);
        var first = await expo.Scanner.ScanAsync("G01", expo.Badges["A-1"], nonce: "lane1-7");
        Assert.Equal("admitted", first.Result);
        await expo.ZoneOfAsync("A-1", "hall-a", "the admission");
        await expo.PostZebraAsync(expo.RoomPass("A-1", inward: true, first.Json.GetProperty("at").GetDateTimeOffset().AddSeconds(1)));
        var moved = await expo.LocationAsync("A-1");
        Assert.Equal("room-1", Expo.ZoneIn(moved));
        var gateMoves = (await expo.TelemetryHealthAsync()).GetProperty("gateMoves").GetInt64();

        // The scanner timed out and sends the admission again, three times.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(first.Body, (await expo.Scanner.ScanAsync("G01", expo.Badges["A-1"], nonce: "lane1-7")).Body);
        }

        // Another admission after the retries: once its move is counted, a retry's would have been too.
        Assert.Equal("admitted", (await expo.Scanner.ScanAsync("G01", expo.Badges["A-2"])).Result);
        await expo.ZoneOfAsync("A-2", "hall-a", "the second attendee's admission");
        await Eventually.UntilAsync(async () => (await expo.TelemetryHealthAsync()).GetProperty("gateMoves").GetInt64() > gateMoves,
            TimeSpan.FromSeconds(10), "the second admission's move to be counted");
        Assert.Equal(gateMoves + 1, (await expo.TelemetryHealthAsync()).GetProperty("gateMoves").GetInt64());
        var after = await expo.LocationAsync("A-1");
        Assert.Equal(moved.ToString(), after.ToString());
        Assert.Equal(2L, (await expo.ZoneAsync("hall-a")).GetProperty("entries").GetInt64());
    }

    [Fact]
    public async Task A_batch_journaled_after_another_waits_for_it_before_moving_anyone()
    {
        // A gap long enough that a stalled test machine cannot make the gate give up on the held batch.
        await using var expo = await Expo.StartAsync(["A-1"], new Dictionary<string, string?> { ["Edge:Readers:OrderGapTimeout"] = "00:01:00" });
        var admittedAt = await expo.AdmitAsync("A-1");
        var telemetry = expo.Scenario.Edge.Silo.Telemetry!;
        var before = telemetry.Journal.LastReadSequence;
        var into = Reads(expo.RoomPass("A-1", inward: true, admittedAt.AddSeconds(1)));
        var outOf = Reads(expo.RoomPass("A-1", inward: false, admittedAt.AddSeconds(30)));
        var intoJournaled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The first batch's caller is held between its commit and routing, as a continuation the
        // thread pool runs late; the second batch is journaled after it and resumes first.
        telemetry.AfterAppendForTests = batch =>
        {
            if (batch[0].Read.EventNum != into[0].EventNum)
            {
                return Task.CompletedTask;
            }

            intoJournaled.SetResult();
            return release.Task;
        };

        var first = telemetry.IngestAsync(into);
        await intoJournaled.Task;
        var second = telemetry.IngestAsync(outOf);
        await Eventually.UntilAsync(() => Task.FromResult(telemetry.Journal.LastReadSequence >= before + into.Count + outOf.Count),
            TimeSpan.FromSeconds(10), "both batches to be journaled");
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        Assert.False(second.IsCompleted, "the later batch was routed before the batch journaled ahead of it");
        Assert.Equal("hall-a", Expo.ZoneIn(await expo.LocationAsync("A-1")));

        release.SetResult();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10));

        // In journal order: into the room, then back out, as a replay of the journal would route them.
        await expo.ZoneOfAsync("A-1", "hall-a", "the way out after the way in");
        var room = await expo.ZoneAsync("room-1");
        Assert.Equal((1L, 1L, 0), (room.GetProperty("entries").GetInt64(), room.GetProperty("exits").GetInt64(), room.GetProperty("occupancy").GetInt32()));
    }

    private static List<TagRead> Reads(IEnumerable<PlannedRead> planned) =>
        [.. planned.Select(r => new TagRead(Expo.Zebra, r.EventNum, EpcCodec.Encode(r.AttendeeId), r.Antenna, r.PeakRssi, r.At))];

    [Fact]
    public async Task Reads_whose_caller_gave_up_waiting_are_journaled_and_still_move_people()
    {
        await using var expo = await Expo.StartAsync(["A-1"]);
        var admittedAt = await expo.AdmitAsync("A-1");
        var reads = expo.RoomPass("A-1", inward: true, admittedAt.AddSeconds(1))
            .Select(r => new TagRead(Expo.Zebra, r.EventNum, EpcCodec.Encode(r.AttendeeId), r.Antenna, r.PeakRssi, r.At)).ToList();
        using var gaveUp = new CancellationTokenSource();

        var ingest = expo.Scenario.Edge.Silo.Telemetry!.IngestAsync(reads, gaveUp.Token);
        gaveUp.Cancel(); // as a reader's HTTP request timing out while the disk syncs
        try
        {
            await ingest;
        }
        catch (OperationCanceledException)
        {
        }

        await expo.ZoneOfAsync("A-1", "room-1", "the journaled reads to move A-1 although nobody waited for them");
        Assert.Equal((long)reads.Count, (await expo.TelemetryHealthAsync()).GetProperty("readsAppended").GetInt64());
    }

    [Fact]
    public async Task A_read_stamped_far_ahead_of_the_edges_clock_is_dropped_and_counted_and_holds_nobody_in_the_future()
    {
        await using var expo = await Expo.StartAsync(["A-1"]);
        var admittedAt = await expo.AdmitAsync("A-1");
        // A reader whose clock runs an hour fast: its read would pin A-1's location at that hour.
        var fast = new PlannedRead(expo.NextEventNum(Expo.Zebra), "A-1", Expo.RoomSide, expo.Scenario.Edge.Time.GetUtcNow().AddHours(1));

        var answer = await expo.PostZebraAsync([fast]);

        Assert.Equal((1, 0, 0, 1), (answer.Json.GetProperty("reads").GetInt32(), answer.Json.GetProperty("accepted").GetInt32(),
            answer.Json.GetProperty("duplicates").GetInt32(), answer.Json.GetProperty("clockAhead").GetInt32()));
        var health = await expo.TelemetryHealthAsync();
        Assert.Equal((0L, 1L), (health.GetProperty("readsAppended").GetInt64(), health.GetProperty("readsClockAhead").GetInt64()));

        // Reads on time still move A-1: nothing was held at the fast reader's hour.
        var onTime = await expo.PostZebraAsync(expo.RoomPass("A-1", inward: true, admittedAt.AddSeconds(1)));
        Assert.Equal(0, onTime.Json.GetProperty("clockAhead").GetInt32());
        Assert.Equal("room-1", Expo.ZoneIn(await expo.LocationAsync("A-1")));
    }

    [Fact]
    public async Task Impinj_tag_inventory_events_are_accepted_and_move_people_through_their_portal()
    {
        await using var expo = await Expo.StartAsync(["A-1"]);
        var admittedAt = await expo.AdmitAsync("A-1");

        // Out of hall-a into the lobby: hall side first, then lobby side.
        var reads = ReaderJson.Pass(() => expo.NextEventNum(Expo.Impinj), "A-1", Expo.HallSideOfLobbyDoor, Expo.LobbySide, admittedAt.AddSeconds(2));
        var answer = await expo.ImpinjReader.PostAsync($"/v1/readers/{Expo.Impinj}/reads", ReaderJson.Impinj(Expo.Impinj, reads));

        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        Assert.Equal((5, 5), (answer.Json.GetProperty("reads").GetInt32(), answer.Json.GetProperty("accepted").GetInt32()));
        Assert.Equal("lobby", (await expo.LocationAsync("A-1")).GetProperty("zone").GetString());
        var occupancy = await expo.OccupancyAsync();
        Assert.Equal((1, 0), (occupancy["lobby"], occupancy["hall-a"]));
        var portal = (await expo.OkJsonAsync("/v1/portals")).EnumerateArray().Single(p => p.GetProperty("portalId").GetString() == "lobby-hall-a");
        Assert.Equal((5L, 1L), (portal.GetProperty("reads").GetInt64(), portal.GetProperty("movementsOut").GetInt64()));
    }

    [Fact]
    public async Task The_same_payload_posted_twice_is_answered_as_duplicates_the_second_time_and_moves_nobody_again()
    {
        await using var expo = await Expo.StartAsync(["A-1"]);
        var admittedAt = await expo.AdmitAsync("A-1");
        var payload = ReaderJson.Zebra(expo.RoomPass("A-1", inward: true, admittedAt.AddSeconds(1)));
        var first = await expo.ZebraReader.PostAsync($"/v1/readers/{Expo.Zebra}/reads", payload);
        var occupancy = await expo.OccupancyAsync();
        var room = await expo.ZoneAsync("room-1");
        var health = await expo.TelemetryHealthAsync();

        var second = await expo.ZebraReader.PostAsync($"/v1/readers/{Expo.Zebra}/reads", payload);

        Assert.Equal((HttpStatusCode.OK, 5, 0), (first.Status, first.Json.GetProperty("accepted").GetInt32(), first.Json.GetProperty("duplicates").GetInt32()));
        Assert.Equal((HttpStatusCode.OK, 5, 0, 5), (second.Status, second.Json.GetProperty("reads").GetInt32(),
            second.Json.GetProperty("accepted").GetInt32(), second.Json.GetProperty("duplicates").GetInt32()));
        Assert.Equal(occupancy, await expo.OccupancyAsync());
        Assert.Equal(room.GetProperty("entries").GetInt64(), (await expo.ZoneAsync("room-1")).GetProperty("entries").GetInt64());
        var healthAfter = await expo.TelemetryHealthAsync();
        Assert.Equal(health.GetProperty("lastReadSequence").GetInt64(), healthAfter.GetProperty("lastReadSequence").GetInt64());
        Assert.Equal(health.GetProperty("duplicateReads").GetInt64() + 5, healthAfter.GetProperty("duplicateReads").GetInt64());
    }

    [Fact]
    public async Task An_Impinj_delivery_posted_twice_is_all_duplicates_the_second_time_by_its_derived_event_numbers()
    {
        await using var expo = await Expo.StartAsync(["A-1"]);
        var reads = ReaderJson.Pass(() => 0, "A-1", Expo.LobbySide, Expo.HallSideOfLobbyDoor, DateTimeOffset.UtcNow);
        var payload = ReaderJson.Impinj(Expo.Impinj, reads);

        var first = await expo.ImpinjReader.PostAsync($"/v1/readers/{Expo.Impinj}/reads", payload);
        var second = await expo.ImpinjReader.PostAsync($"/v1/readers/{Expo.Impinj}/reads", payload);

        Assert.Equal((5, 0), (first.Json.GetProperty("accepted").GetInt32(), first.Json.GetProperty("duplicates").GetInt32()));
        Assert.Equal((0, 5), (second.Json.GetProperty("accepted").GetInt32(), second.Json.GetProperty("duplicates").GetInt32()));
        Assert.Equal(5L, (await expo.TelemetryHealthAsync()).GetProperty("lastReadSequence").GetInt64());
        Assert.Equal(1L, (await expo.ZoneAsync("hall-a")).GetProperty("entries").GetInt64());
    }

    [Fact]
    public async Task An_event_number_repeated_inside_one_payload_is_journaled_once_and_counted_as_a_duplicate()
    {
        await using var expo = await Expo.StartAsync(["A-1"]);
        var reads = expo.RoomPass("A-1", inward: true, DateTimeOffset.UtcNow);

        var answer = await expo.PostZebraAsync([.. reads, reads[4]]);

        Assert.Equal((6, 5, 1), (answer.Json.GetProperty("reads").GetInt32(), answer.Json.GetProperty("accepted").GetInt32(),
            answer.Json.GetProperty("duplicates").GetInt32()));
        Assert.Equal(5L, (await expo.TelemetryHealthAsync()).GetProperty("lastReadSequence").GetInt64());
        Assert.Equal(1, (await expo.OccupancyAsync())["room-1"]);
    }

    [Fact]
    public async Task A_small_zone_raises_Warn_Alert_and_Full_as_people_move_in_and_clears_each_only_below_its_threshold_minus_hysteresis()
    {
        string[] people = ["P-1", "P-2", "P-3", "P-4"];
        await using var expo = await Expo.StartAsync(people);
        var start = DateTimeOffset.UtcNow;
        var step = 0;

        async Task<(int Occupancy, string Level)> Move(string attendeeId, bool inward)
        {
            // Each step well past the debounce window, so every walk is a pass of its own.
            await expo.PostZebraAsync(expo.RoomPass(attendeeId, inward, start.AddSeconds(5 * step++)));
            var zone = await expo.ZoneAsync("room-1");
            return (zone.GetProperty("occupancy").GetInt32(), zone.GetProperty("level").GetString()!);
        }

        var up = new List<(int, string)>();
        foreach (var person in people)
        {
            up.Add(await Move(person, inward: true));
        }

        var down = new List<(int, string)>();
        foreach (var person in people)
        {
            down.Add(await Move(person, inward: false));
        }

        // Capacity 4: Warn at 2, Alert at 3, Full at 4 ...
        Assert.Equal([(1, "Normal"), (2, "Warn"), (3, "Alert"), (4, "Full")], up);
        // ... and each level holds until occupancy is below (threshold - 0.25) x 4: Full until below 3, Alert below 2, Warn below 1.
        Assert.Equal([(3, "Full"), (2, "Alert"), (1, "Warn"), (0, "Normal")], down);
        var room = await expo.ZoneAsync("room-1");
        Assert.Equal((4, 4L, 4L), (room.GetProperty("peakOccupancy").GetInt32(), room.GetProperty("entries").GetInt64(), room.GetProperty("exits").GetInt64()));
        // Nobody was scanned in at a gate: every entry is an ops signal.
        Assert.Equal(4L, room.GetProperty("notAdmittedEntries").GetInt64());
    }

    internal static JsonElement Problem(HttpAnswer answer, HttpStatusCode status)
    {
        Assert.True(answer.Status == status, $"expected {(int)status}: {answer}");
        Assert.True(answer.MediaType == "application/problem+json", $"an RFC 9457 problem body ({answer.MediaType}): {answer}");
        var problem = answer.Json;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()), answer.ToString());
        return problem.Clone();
    }
}
