using System.Text;
using Venue.Central.Registration;
using Venue.Testing.Processes;
using Venue.Central.Webhooks;
using Venue.Domain.Central;
using Venue.Domain.Ledger;
using Venue.Domain.Readers;
using Venue.Domain.Tickets;
using Venue.Storage.Sqlite.Central;

namespace Venue.Central.Tests.Integrator;

/// <summary>Validation, badges and write-through of the registry, over a real SQLite central store.</summary>
public sealed class AttendeeRegistryTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private readonly ManualTimeProvider _time = new();
    private readonly List<long> _ledgerChanges = [];
    private readonly TicketSigningKey _key = TicketSigningKey.Create("k1");
    private SqliteCentralStore _store = null!;
    private AttendeeRegistry _registry = null!;

    public async Task InitializeAsync()
    {
        _store = await SqliteCentralStore.OpenAsync(_directory.File("central.db"), _time);
        _registry = new AttendeeRegistry(_store, "test-event", IntegratorHost.TicketTypes, _key, new WebhookOutbox(_store), _time, _ledgerChanges.Add);
    }

    public async Task DisposeAsync()
    {
        _registry.Dispose();
        await _store.DisposeAsync();
        _key.Dispose();
        _directory.Dispose();
    }

    private static AttendeeInput Input(string? id = null, string? name = "Ada Lovelace", string? ticketType = "general") =>
        new() { Id = id, Name = name, TicketType = ticketType };

    private async Task<ImportResult> ImportCsvAsync(string csv, int maxRows = 1_000) =>
        await _registry.ImportAsync(AttendeeImportReader.ReadCsvAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), maxRows));

    private async Task<ImportResult> ImportJsonAsync(string json, int maxRows = 1_000) =>
        await _registry.ImportAsync(AttendeeImportReader.ReadJsonAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)), maxRows));

    [Fact]
    public async Task A_registered_attendee_gets_a_badge_signed_for_this_event_with_their_claims()
    {
        var result = await _registry.RegisterAsync(Input("A1") with { ValidFrom = "2030-06-01T08:00:00Z", ValidUntil = "2030-06-03T20:00:00+02:00" });

        Assert.Equal(RegistrationStatus.Created, result.Status);
        var a = result.Attendee!;
        Assert.True(BadgeToken.TryDecode(a.Token, out var badge, out _));
        var keys = new TicketKeyRing();
        keys.Add("k1", _key.ExportPublicKey());
        Assert.Equal(SignatureCheck.Valid, keys.Verify(badge));
        Assert.Equal(new BadgeClaims("k1", "test-event", "A1", "general",
            new DateTimeOffset(2030, 6, 1, 8, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(),
            new DateTimeOffset(2030, 6, 3, 18, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds()), badge.Claims);
        Assert.Equal(TokenHash.Of(a.Token), a.TokenHash);
        Assert.Equal(a.Version, Assert.Single(_ledgerChanges));
    }

    [Fact]
    public async Task An_attendee_sent_without_an_id_gets_one_that_fits_a_badge_tag()
    {
        var a = (await _registry.RegisterAsync(Input())).Attendee!;

        Assert.Matches("^R[0-9A-Z]{11}$", a.Id);
        // RFID readers can see them: the id is written into the badge's EPC.
        Assert.True(EpcCodec.IsEncodable(a.Id), a.Id);
        Assert.NotNull(await _store.GetAttendeeAsync(a.Id));
    }

    [Fact]
    public async Task An_id_picked_that_another_attendee_holds_is_drawn_again_and_the_other_attendee_is_untouched()
    {
        var taken = (await _registry.RegisterAsync(Input("RAAAAAAAAAAA", "Grace Hopper"))).Attendee!;
        var draws = new Queue<string>(["RAAAAAAAAAAA", "RBBBBBBBBBBB", "RBBBBBBBBBBB", "RAAAAAAAAAAA", "RCCCCCCCCCCC"]);
        _registry.NewIdForTests = draws.Dequeue;

        var single = (await _registry.RegisterAsync(Input())).Attendee!;
        // One row without an id: the first two ids drawn for it are both held already.
        var imported = await ImportCsvAsync("name,ticketType\r\nAlan Turing,general\r\n");

        Assert.Equal("RBBBBBBBBBBB", single.Id);
        Assert.Equal(1, imported.Created);
        Assert.Equal("Alan Turing", (await _store.GetAttendeeAsync("RCCCCCCCCCCC"))?.Name);
        var kept = await _store.GetAttendeeAsync(taken.Id);
        Assert.Equal(("Grace Hopper", taken.Token), (kept!.Name, kept.Token));
    }

    [Theory]
    [InlineData(null, "general", "name", "is required")]
    [InlineData("  ", "general", "name", "is required")]
    [InlineData("Ada", null, "ticketType", "is required")]
    [InlineData("Ada", "platinum", "ticketType", "not a ticket type of this event; it has general, vip, day-pass")]
    public async Task Required_fields_and_ticket_types_are_checked(string? name, string? ticketType, string field, string message)
    {
        var result = await _registry.RegisterAsync(Input("A1", name, ticketType));

        Assert.Equal(RegistrationStatus.Invalid, result.Status);
        var error = Assert.Single(result.Errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
        Assert.Null(await _store.GetAttendeeAsync("A1"));
        Assert.Empty(_ledgerChanges);
    }

    [Theory]
    [InlineData("email", "not-an-email")]
    [InlineData("email", "Ada <ada@example.com>")]
    [InlineData("email", "ada@localhost")]
    [InlineData("validFrom", "next tuesday")]
    [InlineData("validUntil", "1969-12-31T00:00:00Z")]
    [InlineData("id", "has space")]
    [InlineData("id", "-leading-dash")]
    [InlineData("gates", "G 01")]
    public async Task Each_malformed_field_is_reported_against_that_field(string field, string value)
    {
        var input = field switch
        {
            "email" => Input("A1") with { Email = value },
            "validFrom" => Input("A1") with { ValidFrom = value },
            "validUntil" => Input("A1") with { ValidUntil = value },
            "gates" => Input("A1") with { Gates = Field<IReadOnlyList<string>?>.Of([value]) },
            _ => Input(value),
        };

        var result = await _registry.RegisterAsync(input);

        Assert.Equal(RegistrationStatus.Invalid, result.Status);
        Assert.Equal(field, Assert.Single(result.Errors).Field);
    }

    [Fact]
    public async Task A_validity_window_must_end_after_it_starts()
    {
        var result = await _registry.RegisterAsync(Input("A1") with { ValidFrom = "2030-06-02T00:00:00Z", ValidUntil = "2030-06-01T00:00:00Z" });

        var error = Assert.Single(result.Errors);
        Assert.Equal("validUntil", error.Field);
        Assert.Contains("after validFrom", error.Message);
    }

    [Fact]
    public async Task All_problems_of_one_attendee_are_reported_together()
    {
        var result = await _registry.RegisterAsync(new AttendeeInput { Email = "nope", TicketType = "gold", ValidFrom = "soon" });

        Assert.Equal(["email", "name", "ticketType", "validFrom"], result.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Registering_an_id_that_exists_is_a_conflict_and_changes_nothing()
    {
        var first = (await _registry.RegisterAsync(Input("A1"))).Attendee!;

        var again = await _registry.RegisterAsync(Input("A1", "Someone Else"));

        Assert.Equal(RegistrationStatus.Conflict, again.Status);
        Assert.Equal(first, await _store.GetAttendeeAsync("A1"));
    }

    [Fact]
    public async Task A_new_ticket_type_issues_a_new_badge_and_revokes_the_old_token()
    {
        var before = (await _registry.RegisterAsync(Input("A1"))).Attendee!;

        var after = (await _registry.UpdateAsync("A1", new AttendeeInput { TicketType = "vip" })).Attendee!;

        Assert.NotEqual(before.Token, after.Token);
        Assert.True(BadgeToken.TryDecode(after.Token, out var badge, out _));
        Assert.Equal("vip", badge.Claims.TicketType);
        var changes = await _store.ReadLedgerChangesAsync(before.Version, 100);
        Assert.Equal([before.TokenHash], changes.RevokedTokens);
        Assert.Equal("Ada Lovelace", after.Name);
    }

    [Fact]
    public async Task A_new_name_keeps_the_badge()
    {
        var before = (await _registry.RegisterAsync(Input("A1"))).Attendee!;

        var after = (await _registry.UpdateAsync("A1", new AttendeeInput { Name = "Ada King", Email = "ada@example.com" })).Attendee!;

        Assert.Equal(before.Token, after.Token);
        Assert.Equal(("Ada King", "ada@example.com"), (after.Name, after.Email));
        Assert.Empty((await _store.ReadLedgerChangesAsync(before.Version, 100)).RevokedTokens);
        Assert.True(after.Version > before.Version);
    }

    [Fact]
    public async Task An_update_that_changes_nothing_writes_nothing()
    {
        var before = (await _registry.RegisterAsync(Input("A1"))).Attendee!;

        var result = await _registry.UpdateAsync("A1", new AttendeeInput { Name = "Ada Lovelace" });

        Assert.Equal(RegistrationStatus.Unchanged, result.Status);
        Assert.Equal(before.Version, await _store.GetLedgerVersionAsync());
    }

    [Fact]
    public async Task Null_clears_an_optional_field_and_absent_leaves_it()
    {
        await _registry.RegisterAsync(Input("A1") with { Email = "ada@example.com", Company = "Analytical Engines" });

        var after = (await _registry.UpdateAsync("A1", new AttendeeInput { Email = Field<string?>.Of(null) })).Attendee!;

        Assert.Null(after.Email);
        Assert.Equal("Analytical Engines", after.Company);
    }

    [Fact]
    public async Task Revoking_revokes_the_attendee_and_their_token_once()
    {
        var before = (await _registry.RegisterAsync(Input("A1"))).Attendee!;

        var revoked = await _registry.RevokeAsync("A1");
        var again = await _registry.RevokeAsync("A1");

        Assert.Equal(AttendeeStatus.Revoked, revoked.Attendee!.Status);
        Assert.Equal(RegistrationStatus.Unchanged, again.Status);
        Assert.Equal([before.TokenHash], (await _store.ReadLedgerChangesAsync(before.Version, 100)).RevokedTokens);
        Assert.Equal(RegistrationStatus.Conflict, (await _registry.UpdateAsync("A1", new AttendeeInput { Name = "Back" })).Status);
    }

    [Fact]
    public async Task An_import_keeps_good_rows_and_reports_bad_ones_by_row_line_and_field()
    {
        var csv = "id,name,email,ticketType,gates\r\n" +
                  "A1,Ada Lovelace,ada@example.com,general,\r\n" +
                  "A2,,bad-email,general,\r\n" +
                  "A3,\"Hopper, Grace\",,vip,G01;S01\r\n" +
                  "A4,Too,Many,Fields,general,x\r\n" +
                  "A5,Alan Turing,,platinum,\r\n";

        var result = await ImportCsvAsync(csv);

        Assert.Equal((2, 2, 3), (result.Imported, result.Created, result.Failed));
        Assert.Equal(
            [(2, 3L, "email"), (2, 3L, "name"), (4, 5L, (string?)null), (5, 6L, "ticketType")],
            result.Errors.Select(e => (Row: e.Row!.Value, Line: e.Line!.Value, e.Field)).OrderBy(e => e.Row).ThenBy(e => e.Field, StringComparer.Ordinal));
        Assert.Equal(["G01", "S01"], (await _store.GetAttendeeAsync("A3"))!.Gates);
        Assert.Equal("Hopper, Grace", (await _store.GetAttendeeAsync("A3"))!.Name);
        Assert.Null(await _store.GetAttendeeAsync("A2"));
        Assert.Equal(2, await _store.CountAttendeesAsync());
    }

    [Fact]
    public async Task An_unknown_JSON_field_is_an_error_of_its_row_only()
    {
        var json = """
            [
              {"id": "A1", "name": "Ada", "ticketType": "general"},
              {"id": "A2", "name": "Grace", "ticketType": "general", "shoeSize": 38},
              {"id": "A3", "name": "Alan", "ticket_type": "vip", "status": "active"},
              {"id": "A4", "name": "Edsger", "ticketType": "general", "gates": "G01"},
              "not an object",
              {"id": "A6", "name": 42, "ticketType": "general"}
            ]
            """;

        var result = await ImportJsonAsync(json);

        Assert.Equal(1, result.Imported);
        Assert.Equal(5, result.Failed);
        Assert.Equal(
            [(2, "shoeSize"), (3, "status"), (4, "gates"), (5, null), (6, "name")],
            result.Errors.Select(e => (e.Row!.Value, e.Field)));
        Assert.Contains("unknown field", result.Errors[0].Message);
        Assert.Contains("set by central", result.Errors[1].Message);
    }

    [Fact]
    public async Task An_id_twice_in_one_import_is_an_error_of_the_second_row()
    {
        var result = await ImportCsvAsync("id,name,ticketType\nA1,Ada,general\nA1,Ada again,general\n");

        Assert.Equal(1, result.Imported);
        var error = Assert.Single(result.Errors);
        Assert.Equal((2, "id"), (error.Row!.Value, error.Field));
        Assert.Contains("also in row 1", error.Message);
    }

    [Fact]
    public async Task Importing_the_same_rows_again_changes_nothing()
    {
        const string csv = "id,name,ticketType\nA1,Ada,general\nA2,Grace,vip\n";
        var first = await ImportCsvAsync(csv);
        var version = await _store.GetLedgerVersionAsync();

        var again = await ImportCsvAsync(csv);

        Assert.Equal((2, 0, 0), (first.Created, first.Updated, first.Unchanged));
        Assert.Equal((0, 0, 2), (again.Created, again.Updated, again.Unchanged));
        Assert.Equal(version, await _store.GetLedgerVersionAsync());
    }

    [Fact]
    public async Task An_import_updates_known_ids_and_never_unrevokes()
    {
        await ImportCsvAsync("id,name,ticketType\nA1,Ada,general\nA2,Grace,general\n");
        await _registry.RevokeAsync("A2");

        var result = await ImportCsvAsync("id,name,ticketType\nA1,Ada King,general\nA2,Grace Hopper,vip\n");

        Assert.Equal(2, result.Updated);
        Assert.Equal("Ada King", (await _store.GetAttendeeAsync("A1"))!.Name);
        Assert.Equal(AttendeeStatus.Revoked, (await _store.GetAttendeeAsync("A2"))!.Status);
    }

    [Fact]
    public async Task A_CSV_without_the_required_columns_is_refused_whole()
    {
        var e = await Assert.ThrowsAsync<ImportRejectedException>(() => ImportCsvAsync("id,fullname,ticketType\nA1,Ada,general\n"));

        Assert.Equal(ImportRejection.Malformed, e.Rejection);
        Assert.Equal(["fullname", "name"], e.Errors.Select(x => x.Field!).Order(StringComparer.Ordinal));
        Assert.Equal(0, await _store.CountAttendeesAsync());
    }

    [Fact]
    public async Task Broken_JSON_after_good_rows_stores_none_of_them()
    {
        var e = await Assert.ThrowsAsync<ImportRejectedException>(() =>
            ImportJsonAsync("""[{"name": "Ada", "ticketType": "general"}, {"name": "Grace", "ticketType": """));

        Assert.Equal(ImportRejection.Malformed, e.Rejection);
        Assert.Equal(0, await _store.CountAttendeesAsync());
    }

    [Fact]
    public async Task More_rows_than_the_limit_stores_nothing()
    {
        var csv = "name,ticketType\n" + string.Concat(Enumerable.Range(0, 11).Select(i => $"Person {i},general\n"));

        var e = await Assert.ThrowsAsync<ImportRejectedException>(() => ImportCsvAsync(csv, maxRows: 10));

        Assert.Equal(ImportRejection.TooLarge, e.Rejection);
        Assert.Equal(0, await _store.CountAttendeesAsync());
    }

    [Fact]
    public async Task A_big_import_is_one_ledger_step_per_row_with_every_badge_valid_and_a_repeat_changes_only_what_differs()
    {
        var csv = "id,name,ticketType\n" + string.Concat(Enumerable.Range(0, 2_000).Select(i => $"B{i:D5},Person {i},{(i % 3 == 0 ? "vip" : "general")}\n"));

        var result = await ImportCsvAsync(csv, maxRows: 2_000);

        Assert.Equal(2_000, result.Created);
        Assert.Equal(2_000, await _store.GetLedgerVersionAsync());
        var keys = new TicketKeyRing();
        keys.Add("k1", _key.ExportPublicKey());
        foreach (var id in new[] { "B00000", "B01000", "B01999" })
        {
            var a = (await _store.GetAttendeeAsync(id))!;
            Assert.True(BadgeToken.TryDecode(a.Token, out var badge, out _));
            Assert.Equal(SignatureCheck.Valid, keys.Verify(badge));
            Assert.Equal((id, a.TicketType), (badge.Claims.AttendeeId, badge.Claims.TicketType));
        }

        // Again, with one row changed: the known ids are found by one pass over the ledger.
        var again = await ImportCsvAsync(csv.Replace("B01234,Person 1234,", "B01234,Person 1234 (renamed),", StringComparison.Ordinal), maxRows: 2_000);
        Assert.Equal((0, 1, 1_999), (again.Created, again.Updated, again.Unchanged));
        Assert.Equal(2_001, await _store.GetLedgerVersionAsync());
    }

    [Fact]
    public async Task Registrations_publish_webhook_events_with_the_stored_version()
    {
        await _store.CreateWebhookAsync("http://127.0.0.1:9/hook", [WebhookOutbox.AttendeeRegistered, WebhookOutbox.AttendeeRevoked], "whsec_test", _time.GetUtcNow());

        var a = (await _registry.RegisterAsync(Input("A1"))).Attendee!;
        await _registry.UpdateAsync("A1", new AttendeeInput { Name = "Ada King" });
        var revoked = (await _registry.RevokeAsync("A1")).Attendee!;

        var due = await _store.ReadDueDeliveriesAsync(_time.GetUtcNow(), 10);
        Assert.Equal([WebhookOutbox.AttendeeRegistered, WebhookOutbox.AttendeeRevoked], due.Select(d => d.EventType));
        Assert.Equal($$"""{"id":"A1","name":"Ada Lovelace","ticketType":"general","status":"active","version":{{a.Version}}}""", due[0].PayloadJson);
        Assert.Contains("\"status\":\"revoked\"", due[1].PayloadJson);
        Assert.Contains($"\"version\":{revoked.Version}", due[1].PayloadJson);
    }

    [Fact]
    public async Task A_registration_commits_with_its_webhook_event_or_not_at_all()
    {
        await _store.CreateWebhookAsync("http://127.0.0.1:9/hook", [WebhookOutbox.AttendeeRegistered], "whsec_test", _time.GetUtcNow());
        var version = await _store.GetLedgerVersionAsync();
        // The outbox insert fails (a full disk, a broken table) after the attendee row is written.
        ExecuteSql("""
            CREATE TRIGGER outbox_broken BEFORE INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'the outbox is broken'); END;
            """);

        await Assert.ThrowsAnyAsync<Exception>(() => _registry.RegisterAsync(Input("A1")));

        Assert.Null(await _store.GetAttendeeAsync("A1"));
        Assert.Equal(version, await _store.GetLedgerVersionAsync());
        Assert.Equal(0L, (await _store.CountDeliveriesAsync()).Pending);

        ExecuteSql("DROP TRIGGER outbox_broken");
        var retried = await _registry.RegisterAsync(Input("A1"));

        Assert.Equal(RegistrationStatus.Created, retried.Status);
        var delivery = Assert.Single(await _store.ReadDueDeliveriesAsync(_time.GetUtcNow(), 10));
        Assert.Contains($"\"version\":{retried.Attendee!.Version}", delivery.PayloadJson);
    }

    /// <summary>SQL on a connection of the test's own, apart from the store's.</summary>
    private void ExecuteSql(string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_directory.File("central.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
