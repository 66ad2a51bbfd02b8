using Venue.Central.Tests.Infrastructure;
using Venue.Domain.CheckIn;
using Venue.Domain.Sync;
using static Venue.Central.Tests.Infrastructure.TestCentral;

namespace Venue.Central.Tests.Sync;

/// <summary>Central's reconciliation of what edges did while they could not see each other.</summary>
public sealed class ReconciliationTests : IAsyncLifetime
{
    private TestCentral _central = null!;

    public async Task InitializeAsync()
    {
        _central = await TestCentral.StartAsync();
        await _central.RegisterAsync(10);
    }

    public async Task DisposeAsync() => await _central.DisposeAsync();

    [Fact]
    public async Task A_badge_admitted_at_two_edges_is_one_conflict_with_both_gates_and_counts_once()
    {
        await _central.Silo.Store.CreateWebhookAsync("http://127.0.0.1:9/hook", ["conflict.raised"], "whsec_test", DateTimeOffset.UtcNow);
        var north = await _central.EdgeClientAsync("north");
        var south = await _central.EdgeClientAsync("south");
        var t = Hlc();

        await UploadOkAsync(south, "south", Entry(1, "a1", ScanReason.Admitted, t + 2, gate: "G09"));
        await UploadOkAsync(north, "north", Entry(1, "a1", ScanReason.Admitted, t + 1, gate: "G01"));

        var stats = await _central.Silo.GetStatsAsync();
        Assert.Equal((1L, 1L, 1L), (stats.Inside, stats.Admitted, stats.Conflicts));
        var conflict = Assert.Single(await _central.Silo.Store.ListConflictsAsync(0, 10));
        Assert.Equal(("a1", "north", "G01", "south", "G09"),
            (conflict.AttendeeId, conflict.First.EdgeId, conflict.First.GateId, conflict.Second.EdgeId, conflict.Second.GateId));
        // Its webhook event was stored with it, naming it by id.
        var delivery = Assert.Single(await _central.Silo.Store.ReadDueDeliveriesAsync(DateTimeOffset.UtcNow.AddMinutes(1), 10));
        Assert.Equal("conflict.raised", delivery.EventType);
        Assert.Contains($"\"id\":{conflict.Id},\"attendeeId\":\"a1\"", delivery.PayloadJson);
        // The fields docs/integrator-api.md lists for conflict.raised, no more and no fewer.
        var data = System.Text.Json.JsonDocument.Parse(delivery.PayloadJson).RootElement;
        Assert.Equal(["id", "attendeeId", "first", "second", "detectedAt"], data.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["edge", "gate", "at", "seq"], data.GetProperty("first").EnumerateObject().Select(p => p.Name));
        Assert.Equal(("north", "G01", 1L), (data.GetProperty("first").GetProperty("edge").GetString(), data.GetProperty("first").GetProperty("gate").GetString(),
            data.GetProperty("first").GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task An_exit_uploaded_late_explains_a_double_admission_and_withdraws_the_conflict()
    {
        var north = await _central.EdgeClientAsync("north");
        var south = await _central.EdgeClientAsync("south");
        var t = Hlc();

        await UploadOkAsync(north, "north", Entry(1, "a1", ScanReason.Admitted, t + 1));
        await UploadOkAsync(south, "south", Entry(1, "a1", ScanReason.Admitted, t + 3));
        Assert.Equal(1, await _central.Silo.Store.CountConflictsAsync());

        await UploadOkAsync(north, "north", Entry(2, "a1", ScanReason.Exited, t + 2));

        Assert.Equal(0, await _central.Silo.Store.CountConflictsAsync());
        Assert.Equal(1, (await _central.Silo.GetStatsAsync()).Inside);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_exit_refused_as_not_inside_at_an_edge_cut_off_from_the_admission_takes_the_attendee_out(bool admissionFirst)
    {
        var north = await _central.EdgeClientAsync("north");
        var south = await _central.EdgeClientAsync("south");
        var t = Hlc();
        // Admitted at north; south, cut off, had not heard of it when the attendee walked out through it.
        var admission = Entry(1, "a1", ScanReason.Admitted, t + 1);
        var exit = Entry(1, "a1", ScanReason.NotInside, t + 2) with { Direction = "exit" };
        // Refused before any admission: nothing to take them out of.
        var early = Entry(2, "a2", ScanReason.NotInside, t + 1) with { Direction = "exit" };

        if (admissionFirst)
        {
            await UploadOkAsync(north, "north", admission, Entry(2, "a2", ScanReason.Admitted, t + 2));
            await UploadOkAsync(south, "south", exit, early);
        }
        else
        {
            await UploadOkAsync(south, "south", exit, early);
            await UploadOkAsync(north, "north", admission, Entry(2, "a2", ScanReason.Admitted, t + 2));
        }

        var stats = await _central.Silo.GetStatsAsync();
        Assert.Equal((1L, 2L, 0L), (stats.Inside, stats.Admitted, stats.Conflicts));
        await _central.RestartAsync();
        Assert.Equal(1L, (await _central.Silo.GetStatsAsync()).Inside);
    }

    [Fact]
    public async Task A_day_pass_used_again_at_a_cut_off_edge_after_an_exit_is_a_conflict_and_a_general_ticket_is_not()
    {
        var north = await _central.EdgeClientAsync("north");
        var south = await _central.EdgeClientAsync("south");
        var t = Hlc();
        JournalEntryWire Ticket(JournalEntryWire entry, string ticketType) => entry with { TicketType = ticketType };

        // In and out at north, then in at south, which had not heard of north's admission: a day pass allows one entry.
        await UploadOkAsync(north, "north",
            Ticket(Entry(1, "a1", ScanReason.Admitted, t + 1), "day-pass"), Ticket(Entry(2, "a1", ScanReason.Exited, t + 2), "day-pass"),
            Ticket(Entry(3, "a2", ScanReason.Admitted, t + 1), "general"), Ticket(Entry(4, "a2", ScanReason.Exited, t + 2), "general"));
        await UploadOkAsync(south, "south",
            Ticket(Entry(1, "a1", ScanReason.Admitted, t + 3, gate: "G09"), "day-pass"), Ticket(Entry(2, "a2", ScanReason.Admitted, t + 3, gate: "G09"), "general"));

        var conflict = Assert.Single(await _central.Silo.Store.ListConflictsAsync(0, 10));
        Assert.Equal(("a1", "north", 1L, "south", "G09"), (conflict.AttendeeId, conflict.First.EdgeId, conflict.First.Sequence, conflict.Second.EdgeId, conflict.Second.GateId));
        Assert.Equal((2L, 2L), ((await _central.Silo.GetStatsAsync()).Inside, (await _central.Silo.GetStatsAsync()).Admitted));
    }

    [Fact]
    public async Task Occupancy_converges_to_the_same_answer_whatever_order_batches_arrive_in()
    {
        var t = Hlc();
        var northBatches = new[]
        {
            new[] { Entry(1, "a1", ScanReason.Admitted, t + 1), Entry(2, "a2", ScanReason.Admitted, t + 2) },
            new[] { Entry(3, "a1", ScanReason.Exited, t + 5), Entry(4, "a3", ScanReason.Admitted, t + 6) },
        };
        var southBatches = new[]
        {
            new[] { Entry(1, "a1", ScanReason.Admitted, t + 7), Entry(2, "a2", ScanReason.Admitted, t + 3) },
            new[] { Entry(3, "a4", ScanReason.Admitted, t + 8), Entry(4, "a2", ScanReason.Exited, t + 9) },
        };
        var north = await _central.EdgeClientAsync("north");
        var south = await _central.EdgeClientAsync("south");

        // South's later batch first, then the rest interleaved backwards: the opposite of clock order.
        await UploadOkAsync(south, "south", southBatches[1]);
        await UploadOkAsync(north, "north", northBatches[1]);
        await UploadOkAsync(south, "south", southBatches[0]);
        await UploadOkAsync(north, "north", northBatches[0]);

        // In clock order: a1 in (north), out, in (south): inside. a2 in (north), in at south (conflict), out: outside. a3, a4 inside.
        var stats = await _central.Silo.GetStatsAsync();
        Assert.Equal((3L, 4L, 1L), (stats.Inside, stats.Admitted, stats.Conflicts));
        var conflict = Assert.Single(await _central.Silo.Store.ListConflictsAsync(0, 10));
        Assert.Equal(("a2", "south"), (conflict.AttendeeId, conflict.Second.EdgeId));
    }

    [Fact]
    public async Task A_restarted_central_rebuilds_occupancy_and_conflicts_from_stored_check_ins()
    {
        var north = await _central.EdgeClientAsync("north");
        var south = await _central.EdgeClientAsync("south");
        var t = Hlc();
        await UploadOkAsync(north, "north", Entry(1, "a1", ScanReason.Admitted, t + 1), Entry(2, "a2", ScanReason.Admitted, t + 2));
        await UploadOkAsync(south, "south", Entry(1, "a1", ScanReason.Admitted, t + 3));
        var before = await _central.Silo.GetStatsAsync();

        await _central.RestartAsync();

        var after = await _central.Silo.GetStatsAsync();
        Assert.Equal((2L, 2L, 1L), (before.Inside, before.Admitted, before.Conflicts));
        Assert.Equal((before.Inside, before.Admitted, before.Conflicts), (after.Inside, after.Admitted, after.Conflicts));
        Assert.Equal(3, _central.Silo.Startup.PassagesReplayed);
    }

    [Fact]
    public async Task A_restart_replaying_page_by_page_keeps_stored_conflicts_and_raises_none_again()
    {
        // One passage per page, so a1's three admissions are read back on three pages, in arrival order.
        await using var central = await TestCentral.StartAsync(more: new Dictionary<string, string?> { ["Central:RebuildPageSize"] = "1" });
        await central.RegisterAsync(3);
        var north = await central.EdgeClientAsync("north");
        var south = await central.EdgeClientAsync("south");
        var east = await central.EdgeClientAsync("east");
        var t = Hlc();
        await UploadOkAsync(north, "north", Entry(1, "a1", ScanReason.Admitted, t + 10));
        await UploadOkAsync(east, "east", Entry(1, "a1", ScanReason.Admitted, t + 30));
        // South was cut off: its admission between the other two arrives last.
        await UploadOkAsync(south, "south", Entry(1, "a1", ScanReason.Admitted, t + 20));
        var before = await central.Silo.Store.ListConflictsAsync(0, 10);
        Assert.Equal(2, before.Count);

        await central.RestartAsync();

        var after = await central.Silo.Store.ListConflictsAsync(0, 10);
        Assert.Equal(before.Select(c => (c.Id, c.Key)), after.Select(c => (c.Id, c.Key)));
        Assert.Equal(0, central.Silo.Reconciler.ConflictsRaised);
        Assert.Equal(3, central.Silo.Startup.PassagesReplayed);
    }

    [Fact]
    public async Task An_upload_whose_conflicts_could_not_be_stored_is_reconciled_before_the_next_upload()
    {
        var north = await _central.EdgeClientAsync("north");
        var south = await _central.EdgeClientAsync("south");
        var t = Hlc();
        await UploadOkAsync(north, "north", Entry(1, "a1", ScanReason.Admitted, t + 1));
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_central.DataDirectory, "central.db")}"))
        {
            await db.OpenAsync();
            using var trigger = db.CreateCommand();
            trigger.CommandText = "CREATE TRIGGER no_conflicts BEFORE INSERT ON conflicts BEGIN SELECT RAISE(ABORT, 'injected failure'); END;";
            await trigger.ExecuteNonQueryAsync();

            // Stored, but its conflict cannot be: the edge is told to retry.
            using var failed = await UploadAsync(south, "south", Entry(1, "a1", ScanReason.Admitted, t + 2), Entry(2, "a2", ScanReason.Admitted, t + 3));
            Assert.Equal(System.Net.HttpStatusCode.InternalServerError, failed.StatusCode);

            trigger.CommandText = "DROP TRIGGER no_conflicts";
            await trigger.ExecuteNonQueryAsync();
        }

        // The retry finds its entries already stored; the repair before it stores the conflict.
        var retry = await UploadOkAsync(south, "south", Entry(1, "a1", ScanReason.Admitted, t + 2), Entry(2, "a2", ScanReason.Admitted, t + 3));

        Assert.Equal(new Domain.Sync.JournalReceiptWire(2, 0, 2), retry);
        var stats = await _central.Silo.GetStatsAsync();
        Assert.Equal((2L, 2L, 1L), (stats.Inside, stats.Admitted, stats.Conflicts));
    }

    [Fact]
    public async Task Entries_that_happened_long_before_their_upload_are_marked_late()
    {
        var north = await _central.EdgeClientAsync("north");

        await UploadOkAsync(north, "north", Entry(1, "a1", ScanReason.Admitted, Hlc(-600)), Entry(2, "a2", ScanReason.Admitted, Hlc()));

        var stored = await _central.Silo.Store.ReadCheckInsAsync(0, 10, passagesOnly: false);
        Assert.Equal([true, false], stored.OrderBy(c => c.Entry.Sequence).Select(c => c.Late));
    }
}
