using System.Net.Http.Json;
using Venue.Central.Tests.Infrastructure;
using Venue.Domain.CheckIn;
using Venue.Domain.Ledger;
using Venue.Domain.Sync;
using Venue.Domain.Tickets;
using static Venue.Central.Tests.Infrastructure.TestCentral;

namespace Venue.Central.Tests.Sync;

/// <summary>What edges pull from central: the snapshot, ledger changes and other edges' passages.</summary>
public sealed class LedgerFeedTests : IAsyncLifetime
{
    private TestCentral _central = null!;

    public async Task InitializeAsync() => _central = await TestCentral.StartAsync();

    public async Task DisposeAsync() => await _central.DisposeAsync();

    [Fact]
    public async Task The_snapshot_is_a_venue_ledger_that_an_edge_can_load_and_check_badges_with()
    {
        var registered = await _central.RegisterAsync(50);
        var north = await _central.EdgeClientAsync("north");

        using var response = await north.GetAsync("/v1/sync/ledger");
        response.EnsureSuccessStatusCode();
        var ledger = await LedgerSnapshot.ReadAsync(await response.Content.ReadAsStreamAsync(), "central");

        Assert.Equal(50, ledger.Count);
        Assert.Equal(registered.Max(a => a.Version).ToString(System.Globalization.CultureInfo.InvariantCulture),
            response.Headers.GetValues(SyncHeaders.LedgerVersion).Single());
        Assert.True(ledger.TryGet("a7", out var a7));
        Assert.Equal(TokenHash.Of(registered.Single(a => a.Id == "a7").Token), a7.TokenHash);
        Assert.True(BadgeToken.TryDecode(registered[0].Token, out var badge, out _));
        Assert.Equal(SignatureCheck.Valid, ledger.Keys.Verify(badge));
    }

    [Fact]
    public async Task Central_names_its_keys_on_every_changes_answer_with_the_fingerprint_an_edge_holding_its_snapshot_has()
    {
        using var keys = new TempDirectory();
        using var previous = TicketSigningKey.Create("k0");
        await File.WriteAllTextAsync(keys.File("k0.public.pem"), previous.ExportPublicPem());
        await using var central = await TestCentral.StartAsync(more: new Dictionary<string, string?> { ["Central:PreviousPublicKeyPaths:0"] = keys.File("k0.public.pem") });
        await central.RegisterAsync(2);
        var north = await central.EdgeClientAsync("north");

        using var snapshot = await north.GetAsync("/v1/sync/ledger");
        var ledger = await LedgerSnapshot.ReadAsync(await snapshot.Content.ReadAsStreamAsync(), "central");
        using var changes = await north.GetAsync("/v1/sync/changes?ledgerAfter=0&passagesAfter=0");
        var listed = await north.GetFromJsonAsync("/v1/sync/keys", SyncJsonContext.Default.LedgerKeysWire);

        // The edge compares its ring's fingerprint with this header: equal for the same keys, or it would fetch them on every answer.
        Assert.Equal(ledger.Keys.Fingerprint, changes.Headers.GetValues(SyncHeaders.Keys).Single());
        Assert.Equal(["k1", "k0"], listed!.Keys.Select(k => k.Kid));
        Assert.Equal(Convert.ToBase64String(previous.ExportPublicKey()), listed.Keys[1].PublicKey);
        var ring = new TicketKeyRing();
        ring.ReplaceWith([.. listed.Keys.Select(k => (k.Kid, Convert.FromBase64String(k.PublicKey)))]);
        Assert.Equal(ledger.Keys.Fingerprint, ring.Fingerprint);
    }

    [Fact]
    public async Task Changes_carry_new_attendees_and_other_edges_passages_but_not_the_asking_edges_own()
    {
        var first = await _central.RegisterAsync(3);
        var north = await _central.EdgeClientAsync("north");
        var south = await _central.EdgeClientAsync("south");
        await UploadOkAsync(south, "south", Entry(1, "a1", ScanReason.Admitted, Hlc(), gate: "G09"), Entry(2, "a2", ScanReason.AlreadyInside, Hlc(0, 1)));
        await UploadOkAsync(north, "north", Entry(1, "a2", ScanReason.Admitted, Hlc(0, 2)));

        var changes = await north.GetFromJsonAsync("/v1/sync/changes?ledgerAfter=0&passagesAfter=0", SyncJsonContext.Default.LedgerChangesWire);

        Assert.Equal(first.Max(a => a.Version), changes!.LedgerVersion);
        Assert.Equal(["a0", "a1", "a2"], changes.Attendees.Select(a => a.Id).Order());
        var passage = Assert.Single(changes.Passages);
        Assert.Equal(("a1", "south", "G09", "admitted"), (passage.Attendee, passage.Edge, passage.Gate, passage.Reason));
        Assert.False(changes.More);

        var nothingNew = await north.GetFromJsonAsync($"/v1/sync/changes?ledgerAfter={changes.LedgerVersion}&passagesAfter={changes.PassagesCursor}",
            SyncJsonContext.Default.LedgerChangesWire);
        Assert.Empty(nothingNew!.Attendees);
        Assert.Empty(nothingNew.Passages);
    }

    [Fact]
    public async Task A_waiting_changes_request_returns_as_soon_as_another_edge_uploads_an_admission()
    {
        await _central.RegisterAsync(3);
        var north = await _central.EdgeClientAsync("north");
        var south = await _central.EdgeClientAsync("south");
        var now = await north.GetFromJsonAsync("/v1/sync/changes?ledgerAfter=0&passagesAfter=0", SyncJsonContext.Default.LedgerChangesWire);

        var waiting = north.GetFromJsonAsync($"/v1/sync/changes?ledgerAfter={now!.LedgerVersion}&passagesAfter={now.PassagesCursor}&wait=25",
            SyncJsonContext.Default.LedgerChangesWire);
        Assert.False(waiting.IsCompleted);
        await UploadOkAsync(south, "south", Entry(1, "a0", ScanReason.Admitted, Hlc()));

        var changes = await waiting.WithTimeout("the long poll to return with south's admission");
        Assert.Equal("a0", Assert.Single(changes!.Passages).Attendee);
    }

    [Fact]
    public async Task An_edge_ahead_of_a_central_restored_from_an_older_backup_is_answered_at_once_with_centrals_positions_and_then_gets_what_follows()
    {
        await _central.RegisterAsync(3);
        var north = await _central.EdgeClientAsync("north");
        var south = await _central.EdgeClientAsync("south");
        await UploadOkAsync(south, "south", Entry(1, "a1", ScanReason.Admitted, Hlc()));
        var current = await north.GetFromJsonAsync("/v1/sync/changes?ledgerAfter=0&passagesAfter=0", SyncJsonContext.Default.LedgerChangesWire);

        // North followed the central that was lost, further than this one has come.
        var behind = await north.GetFromJsonAsync(
            $"/v1/sync/changes?ledgerAfter={current!.LedgerVersion + 1000}&passagesAfter={current.PassagesCursor + 50_000}&wait=25",
            SyncJsonContext.Default.LedgerChangesWire).WithTimeout("an answer without the long poll's wait");

        Assert.Equal((current.LedgerVersion, current.PassagesCursor), (behind!.LedgerVersion, behind.PassagesCursor));

        // What central hands out next is new to north, though its numbers are below north's old positions.
        var later = await _central.RegisterAsync(1);
        await UploadOkAsync(south, "south", Entry(2, "a2", ScanReason.Admitted, Hlc(0, 1)));
        var next = await north.GetFromJsonAsync($"/v1/sync/changes?ledgerAfter={behind.LedgerVersion}&passagesAfter={behind.PassagesCursor}",
            SyncJsonContext.Default.LedgerChangesWire);
        Assert.Equal([later.Single().Id], next!.Attendees.Select(a => a.Id));
        Assert.Equal("a2", Assert.Single(next.Passages).Attendee);
    }

    [Fact]
    public async Task Positions_shown_back_with_marks_of_other_changes_are_told_to_start_over_at_once()
    {
        await _central.RegisterAsync(3);
        var north = await _central.EdgeClientAsync("north");
        var south = await _central.EdgeClientAsync("south");
        await UploadOkAsync(south, "south", Entry(1, "a1", ScanReason.Admitted, Hlc()), Entry(2, "a2", ScanReason.Admitted, Hlc(0, 1)));
        using var first = await north.GetAsync("/v1/sync/changes?ledgerAfter=0&passagesAfter=0");
        var page = await first.Content.ReadFromJsonAsync(SyncJsonContext.Default.LedgerChangesWire);
        var ledgerAt = first.Headers.GetValues(SyncHeaders.LedgerAt).Single();
        var passagesAt = first.Headers.GetValues(SyncHeaders.PassagesAt).Single();
        string Ask(string ledgerMark, string passagesMark) =>
            $"/v1/sync/changes?ledgerAfter={page!.LedgerVersion}&passagesAfter={page.PassagesCursor}&wait=25&ledgerAt={Uri.EscapeDataString(ledgerMark)}&passagesAt={Uri.EscapeDataString(passagesMark)}";

        // The same history: the long poll answers with what comes next (told to start over, it would
        // have answered at once with positions 0 and nothing).
        var same = north.GetFromJsonAsync(Ask(ledgerAt, passagesAt), SyncJsonContext.Default.LedgerChangesWire);
        await UploadOkAsync(south, "south", Entry(3, "a3", ScanReason.Admitted, Hlc(0, 2)));
        var next = await same.WithTimeout("south's admission");
        Assert.Equal("a3", Assert.Single(next!.Passages).Attendee);
        Assert.Equal(page!.LedgerVersion, next.LedgerVersion);

        // Marks of other changes at those positions (a central restored and past them again): 0, at once.
        var otherLedger = await north.GetFromJsonAsync(Ask("not-this-change", passagesAt), SyncJsonContext.Default.LedgerChangesWire).WithTimeout("an answer without the wait");
        var otherFeed = await north.GetFromJsonAsync(Ask(ledgerAt, "not-this-entry"), SyncJsonContext.Default.LedgerChangesWire).WithTimeout("an answer without the wait");

        Assert.All(new[] { otherLedger!, otherFeed! }, answer =>
        {
            Assert.Equal((0L, 0L), (answer.LedgerVersion, answer.PassagesCursor));
            Assert.Empty(answer.Attendees);
            Assert.Empty(answer.Passages);
        });
    }

    [Theory]
    [InlineData("ledgerAfter=-1&wait=99", "ledgerAfter")]
    [InlineData("ledgerAfter=abc", "ledgerAfter")]
    [InlineData("passagesAfter=1.5", "passagesAfter")]
    [InlineData("passagesAfter=99999999999999999999", "passagesAfter")]
    public async Task Bad_cursors_get_a_problem_whose_detail_names_the_cursor(string query, string cursor)
    {
        var north = await _central.EdgeClientAsync("north");

        using var response = await north.GetAsync($"/v1/sync/changes?{query}");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("detail").GetString();
        Assert.StartsWith(cursor + " is", detail, StringComparison.Ordinal);
    }
}
