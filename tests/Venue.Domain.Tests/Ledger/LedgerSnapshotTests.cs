using System.Security.Cryptography;
using System.Text;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;

namespace Venue.Domain.Tests.Ledger;

public sealed class LedgerSnapshotTests : IDisposable
{
    private const string Source = "test-ledger.jsonl";

    private readonly TicketSigningKey _k1 = TicketSigningKey.Create("k1");
    private readonly TicketSigningKey _k2 = TicketSigningKey.Create("k2");
    private readonly TempDirectory _directory = new();

    public void Dispose()
    {
        _k1.Dispose();
        _k2.Dispose();
        _directory.Dispose();
    }

    private static readonly LedgerTicketType[] TicketTypes =
    [
        new("general", true, null),
        new("day-pass", false, null),
        new("vip", true, ["north", "vip-lounge"]),
    ];

    private LedgerHeader Header(IReadOnlyList<string>? revoked = null) => new(
        "whatever the caller says", "expo-2030", "Expo 2030", 42, TestEvent.Now,
        [new LedgerKey("k1", Convert.ToBase64String(_k1.ExportPublicKey())), new LedgerKey("k2", Convert.ToBase64String(_k2.ExportPublicKey()))],
        TicketTypes,
        revoked);

    private static LedgerAttendee Attendee(string id, string ticketType = "general", string status = "active", string? tokenHash = null) =>
        new(id, $"Attendee {id}", ticketType, null, null, status, tokenHash ?? TokenHash.Format(UInt128.One), null);

    private static async Task<string> WriteToText(LedgerHeader header, IEnumerable<LedgerAttendee> attendees)
    {
        using var stream = new MemoryStream();
        await LedgerSnapshot.WriteAsync(stream, header, attendees);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static Task<AttendeeLedger> ReadText(string text) =>
        LedgerSnapshot.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), Source);

    private static async Task AssertRefusedAtLine(int line, string text, string problem)
    {
        var thrown = await Assert.ThrowsAsync<LedgerFormatException>(() => ReadText(text));
        Assert.Equal(line, thrown.Line);
        Assert.Equal(Source, thrown.SourceName);
        Assert.Contains($"{Source} line {line}:", thrown.Message, StringComparison.Ordinal);
        Assert.Contains(problem, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_written_snapshot_reads_back_with_every_field()
    {
        var revokedHash = new UInt128(7, 11);
        var general = new TicketType("general", true, null);
        var vip = new TicketType("vip", true, ["north", "vip-lounge"]);
        var token = _k2.Issue(new BadgeClaims("k2", "expo-2030", "A-2", "vip", 0, 0));
        AttendeeRecord[] records =
        [
            new("A-1", "Zoë \"Zo\" Ångström", general, 0, 0, AttendeeStatus.Active, new UInt128(1, 2), null),
            new("A-2", "Kim Lee", vip, TestEvent.Unix(TestEvent.Now), TestEvent.Unix(TestEvent.Now.AddDays(2)), AttendeeStatus.Active,
                TokenHash.Of(token), ["press-door", "north"]),
            new("A-3", "Sam Revoked", general, 0, TestEvent.Unix(TestEvent.Now.AddHours(5)), AttendeeStatus.Revoked, UInt128.MaxValue, []),
        ];
        var path = _directory.File("ledger.jsonl");
        await using (var file = File.Create(path))
        {
            await LedgerSnapshot.WriteAsync(file, Header([TokenHash.Format(revokedHash)]), records.Select(LedgerSnapshot.ToLine));
        }

        var ledger = await LedgerSnapshot.ReadFileAsync(path);

        Assert.StartsWith("{\"format\":\"venue-ledger/1\"", File.ReadLines(path).First(), StringComparison.Ordinal);
        Assert.Equal("expo-2030", ledger.EventId);
        Assert.Equal(42, ledger.Version);
        Assert.Equal(["k1", "k2"], ledger.Keys.KeyIds.Order(StringComparer.Ordinal));
        Assert.True(BadgeToken.TryDecode(token, out var badge, out _));
        Assert.Equal(SignatureCheck.Valid, ledger.Keys.Verify(badge));
        Assert.Equal(
            TicketTypes.Select(t => (t.Name, t.Reentry, Gates: string.Join(',', t.Gates ?? ["(all)"]))).OrderBy(t => t.Name),
            ledger.TicketTypes.Select(t => (t.Name, t.Reentry, Gates: string.Join(',', t.Gates ?? ["(all)"]))).OrderBy(t => t.Name));
        Assert.Equal([revokedHash], ledger.RevokedTokens);
        Assert.Equal(records.Length, ledger.Count);
        foreach (var written in records)
        {
            Assert.True(ledger.TryGet(written.Id, out var read), written.Id);
            Assert.Equal(written.Name, read.Name);
            Assert.Equal(written.TicketType.Name, read.TicketType.Name);
            Assert.Same(ledger.TicketTypes.Single(t => t.Name == written.TicketType.Name), read.TicketType);
            Assert.Equal(written.ValidFromUnix, read.ValidFromUnix);
            Assert.Equal(written.ValidUntilUnix, read.ValidUntilUnix);
            Assert.Equal(written.Status, read.Status);
            Assert.Equal(written.TokenHash, read.TokenHash);
            Assert.Equal(written.Gates, read.Gates);
        }
    }

    [Fact]
    public async Task Blank_lines_are_skipped_but_still_counted()
    {
        var lines = (await WriteToText(Header(), [Attendee("A-1")])).Split('\n');
        var text = string.Join('\n', lines[0], "", lines[1], "", "{bad");

        await AssertRefusedAtLine(5, text, "");
        Assert.Equal(1, (await ReadText(string.Join('\n', lines[0], "", lines[1], "", ""))).Count);
    }

    [Fact]
    public async Task An_empty_file_is_refused_at_line_1()
    {
        await AssertRefusedAtLine(1, "", "empty");
    }

    [Fact]
    public async Task A_header_of_another_format_is_refused_at_line_1()
    {
        var text = (await WriteToText(Header(), [])).Replace("venue-ledger/1", "venue-ledger/2", StringComparison.Ordinal);

        await AssertRefusedAtLine(1, text, "'venue-ledger/2'");
    }

    [Fact]
    public async Task A_header_without_an_event_id_is_refused_at_line_1()
    {
        var text = (await WriteToText(Header(), [])).Replace("\"eventId\":\"expo-2030\",", "", StringComparison.Ordinal);

        await AssertRefusedAtLine(1, text, "eventId");
    }

    [Fact]
    public async Task A_header_naming_a_ticket_type_twice_is_refused_at_line_1()
    {
        var text = await WriteToText(Header() with { TicketTypes = [.. TicketTypes, new LedgerTicketType("vip", false, null)] }, []);

        await AssertRefusedAtLine(1, text, "'vip'");
    }

    [Fact]
    public async Task A_header_with_a_nameless_ticket_type_is_refused_at_line_1()
    {
        var text = await WriteToText(Header() with { TicketTypes = [.. TicketTypes, new LedgerTicketType(null!, false, null)] }, []);

        await AssertRefusedAtLine(1, text, "ticket type needs a name");
    }

    [Theory]
    [InlineData("\"ticketTypes\":[", "\"ticketTypes\":[null,")]
    [InlineData("\"keys\":[", "\"keys\":[null,")]
    public async Task A_header_with_a_null_ticket_type_or_key_is_refused_at_line_1(string find, string replacement)
    {
        var text = (await WriteToText(Header(), [])).Replace(find, replacement, StringComparison.Ordinal);

        Assert.Contains(replacement, text, StringComparison.Ordinal);
        await AssertRefusedAtLine(1, text, "not null");
    }

    [Fact]
    public async Task A_header_holding_more_revoked_tokens_than_fit_in_a_block_reads_back_whole()
    {
        // 25 bytes a token: 60,000 of them make a header of about 1.5 MiB, past the reader's 1 MiB block.
        var revoked = Enumerable.Range(1, 60_000).Select(i => new UInt128((ulong)i, (ulong)i * 31)).ToList();
        var text = await WriteToText(Header([.. revoked.Select(TokenHash.Format)]), [Attendee("A-1"), Attendee("A-2")]);

        var ledger = await ReadText(text);

        Assert.True(text.IndexOf('\n', StringComparison.Ordinal) > 1 << 20, "the header is longer than a block");
        Assert.Equal(revoked.Order(), ledger.RevokedTokens.Order());
        Assert.Equal(2, ledger.Count);
    }

    [Fact]
    public async Task A_first_line_of_more_than_64_MiB_is_refused_at_line_1()
    {
        var junk = new MemoryStream(new byte[(64 << 20) + 1024]);

        var thrown = await Assert.ThrowsAsync<LedgerFormatException>(() => LedgerSnapshot.ReadAsync(junk, Source));

        Assert.Equal(1, thrown.Line);
        Assert.Contains("longer than 64 MiB", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_of_bad_JSON_is_refused_with_its_line_number()
    {
        var text = await WriteToText(Header(), [Attendee("A-1"), Attendee("A-2")]) + "{\"id\": \"A-3\", \"name\": \n";

        await AssertRefusedAtLine(4, text, "");
    }

    [Fact]
    public async Task A_header_of_bad_JSON_is_refused_at_line_1()
    {
        await AssertRefusedAtLine(1, "not json at all\n", "");
    }

    [Fact]
    public async Task A_field_of_the_wrong_type_is_refused_with_its_line_number()
    {
        var text = await WriteToText(Header(), [Attendee("A-1")]) +
            "{\"id\":\"A-2\",\"name\":\"N\",\"ticketType\":\"general\",\"validFrom\":\"yesterday\",\"status\":\"active\",\"tokenHash\":\"AAAAAAAAAAAAAAAAAAAAAA\"}\n";

        await AssertRefusedAtLine(3, text, "");
    }

    [Fact]
    public async Task An_attendee_of_an_unknown_ticket_type_is_refused_with_its_line_number()
    {
        var text = await WriteToText(Header(), [Attendee("A-1"), Attendee("A-2"), Attendee("A-3", ticketType: "backstage")]);

        await AssertRefusedAtLine(4, text, "unknown ticket type 'backstage'");
    }

    [Fact]
    public async Task An_attendee_with_a_bad_status_is_refused_with_its_line_number()
    {
        var text = await WriteToText(Header(), [Attendee("A-1", status: "banned")]);

        await AssertRefusedAtLine(2, text, "status 'banned'");
    }

    [Theory]
    [InlineData("")]
    [InlineData("AAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAA!")]
    public async Task An_attendee_with_a_bad_token_hash_is_refused_with_its_line_number(string tokenHash)
    {
        var text = await WriteToText(Header(), [Attendee("A-1"), Attendee("A-2", tokenHash: tokenHash)]);

        await AssertRefusedAtLine(3, text, "tokenHash");
    }

    [Fact]
    public async Task An_attendee_without_a_name_is_refused_with_its_line_number()
    {
        var text = await WriteToText(Header(), [Attendee("A-1") with { Name = "" }]);

        await AssertRefusedAtLine(2, text, "required");
    }

    [Fact]
    public async Task A_key_that_is_not_base64_is_refused_at_line_1()
    {
        var text = await WriteToText(Header() with { Keys = [new LedgerKey("k1", "not base64!")] }, []);

        await AssertRefusedAtLine(1, text, "key 'k1'");
    }

    [Fact]
    public async Task A_key_that_is_not_P256_is_refused_at_line_1()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var text = await WriteToText(Header() with { Keys = [new LedgerKey("k1", Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo()))] }, []);

        await AssertRefusedAtLine(1, text, "P-256");
    }

    [Fact]
    public async Task A_key_id_listed_twice_is_refused_at_line_1()
    {
        using var other = TicketSigningKey.Create("k1");
        var text = await WriteToText(Header() with
        {
            Keys = [new LedgerKey("k1", Convert.ToBase64String(_k1.ExportPublicKey())), new LedgerKey("k1", Convert.ToBase64String(other.ExportPublicKey()))],
        }, []);

        await AssertRefusedAtLine(1, text, "listed twice");
    }

    [Fact]
    public async Task A_key_with_an_invalid_key_id_is_refused_at_line_1()
    {
        var text = await WriteToText(Header() with { Keys = [new LedgerKey("k 1", Convert.ToBase64String(_k1.ExportPublicKey()))] }, []);

        await AssertRefusedAtLine(1, text, "key 'k 1'");
    }

    [Fact]
    public async Task A_bad_revoked_token_hash_is_refused_at_line_1()
    {
        var text = await WriteToText(Header(["short"]), []);

        await AssertRefusedAtLine(1, text, "revoked token hash 'short'");
    }

    [Fact]
    public async Task A_missing_file_is_refused_with_a_message_naming_it()
    {
        var path = _directory.File("no-such-ledger.jsonl");

        var thrown = await Assert.ThrowsAsync<LedgerFormatException>(() => LedgerSnapshot.ReadFileAsync(path));

        Assert.Equal($"{path}: the file does not exist", thrown.Message);
        Assert.Equal(0, thrown.Line);
    }

    [Fact]
    public async Task An_attendee_id_on_two_lines_is_refused_naming_both_lines()
    {
        var text = await WriteToText(Header(), [Attendee("A-1"), Attendee("A-2"), Attendee("A-1") with { Name = "Someone else" }]);

        await AssertRefusedAtLine(4, text, "attendee 'A-1' is also on line 2");
    }

    [Fact]
    public async Task An_attendee_id_repeated_in_another_block_is_refused_the_same_way_on_every_read()
    {
        // About 5 MB: the first and the last line are blocks apart, parsed by different workers in either order.
        var attendees = Enumerable.Range(0, 40_000).Select(i => Attendee($"U-{i}")).ToList();
        attendees[^1] = Attendee("U-0") with { Name = "Last line" };
        var text = await WriteToText(Header(), attendees);
        Assert.True(text.Length > 3 * (1 << 20), "the file spans several blocks");

        for (var run = 0; run < 10; run++)
        {
            await AssertRefusedAtLine(40_001, text, "attendee 'U-0' is also on line 2");
        }
    }

    [Fact]
    public async Task An_attendee_id_on_three_lines_is_reported_at_its_first_repeat_on_every_read()
    {
        // Lines 2 and 40,001 may meet first, but the first repeat in the file is line 12,002.
        var attendees = Enumerable.Range(0, 40_000).Select(i => Attendee($"U-{i}")).ToList();
        attendees[12_000] = Attendee("U-0");
        attendees[^1] = Attendee("U-0");
        var text = await WriteToText(Header(), attendees);

        for (var run = 0; run < 10; run++)
        {
            await AssertRefusedAtLine(12_002, text, "attendee 'U-0' is also on line 2");
        }
    }

    [Fact]
    public async Task A_change_after_loading_still_replaces_its_attendee()
    {
        var ledger = await ReadText(await WriteToText(Header(), [Attendee("A-1"), Attendee("A-2")]));

        ledger.Upsert(LedgerSnapshot.ToRecord(Attendee("A-1", status: "revoked") with { Name = "Renamed" }, ledger));

        Assert.Equal(2, ledger.Count);
        Assert.True(ledger.TryGet("A-1", out var changed));
        Assert.Equal("Renamed", changed.Name);
        Assert.Equal(AttendeeStatus.Revoked, changed.Status);
    }

    /// <summary>An attendee line of exactly <paramref name="bytes"/> bytes of UTF-8, without its line end.</summary>
    private async Task<string> LineOfLength(string id, int bytes)
    {
        var shortest = (await WriteToText(Header(), [Attendee(id) with { Name = "x" }])).Split('\n')[1];
        var line = (await WriteToText(Header(), [Attendee(id) with { Name = new string('x', bytes - shortest.Length + 1) }])).Split('\n')[1];
        Assert.Equal(bytes, Encoding.UTF8.GetByteCount(line));
        return line;
    }

    [Fact]
    public async Task Lines_too_long_across_block_boundaries_are_refused_rather_than_cutting_the_file_short()
    {
        // The case that once stopped reading after line 3: a line carried into a buffer it filled exactly.
        var header = (await WriteToText(Header(), [])).TrimEnd('\n');
        var rest = Enumerable.Range(1, 20).Select(i => $"{{\"id\":\"R-{i}\",\"name\":\"N\",\"ticketType\":\"general\",\"status\":\"active\",\"tokenHash\":\"AAAAAAAAAAAAAAAAAAAAAA\"}}");
        var text = string.Join('\n', [header, await LineOfLength("L-1", (3 << 20) - 1), await LineOfLength("L-2", 1 << 20), .. rest]) + "\n";

        await AssertRefusedAtLine(2, text, "longer than 64 KiB");
    }

    [Fact]
    public async Task Lines_at_the_length_limit_are_read_wherever_the_blocks_fall()
    {
        // 60 lines of 64 KiB make about 4 MB: block boundaries fall inside such lines at many offsets.
        var longest = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            longest.Add(await LineOfLength($"L-{i}", LedgerBlockReader.MaxAttendeeLineBytes));
        }

        var header = (await WriteToText(Header(), [])).TrimEnd('\n');
        var text = string.Join("\r\n", [header, .. longest, (await WriteToText(Header(), [Attendee("A-1")])).Split('\n')[1]]) + "\r\n";

        var ledger = await ReadText(text);

        Assert.Equal(61, ledger.Count);
        Assert.True(ledger.TryGet("L-59", out _));
    }

    [Fact]
    public async Task A_CRLF_line_at_the_length_limit_cut_between_its_CR_and_LF_is_read()
    {
        // The first block holds the 1 MiB after the header: 14 lines of 65,536 bytes and one of 65,535
        // with their CRLFs, then a line at the limit whose \r is the block's last byte.
        var header = (await WriteToText(Header(), [])).TrimEnd('\n');
        var filler = new List<string>();
        for (var i = 0; i < 14; i++)
        {
            filler.Add(await LineOfLength($"F-{i}", (64 << 10) - 2));
        }

        filler.Add(await LineOfLength("F-14", (64 << 10) - 3));
        var atLimit = await LineOfLength("L-1", LedgerBlockReader.MaxAttendeeLineBytes);
        Assert.Equal((1 << 20) - LedgerBlockReader.MaxAttendeeLineBytes - 1, filler.Sum(l => l.Length + 2));
        var text = string.Join("\r\n", [header, .. filler, atLimit, (await WriteToText(Header(), [Attendee("A-1")])).Split('\n')[1]]) + "\r\n";

        var ledger = await ReadText(text);

        Assert.Equal(17, ledger.Count);
        Assert.True(ledger.TryGet("L-1", out _));
    }

    [Fact]
    public async Task An_attendee_line_over_the_length_limit_is_refused_with_its_line_number()
    {
        var text = string.Join('\n', (await WriteToText(Header(), [Attendee("A-1")])).TrimEnd('\n'),
            await LineOfLength("A-2", LedgerBlockReader.MaxAttendeeLineBytes + 1), "");

        await AssertRefusedAtLine(3, text, "longer than 64 KiB");
    }

    [Theory]
    [InlineData("validFrom", "2026-12-06T23:30:00")]
    [InlineData("validUntil", "2026-12-06T23:30:00.250")]
    [InlineData("validFrom", "2026-12-06")]
    public async Task A_validity_time_without_a_UTC_offset_is_refused_with_its_line_number(string field, string value)
    {
        var text = await WriteToText(Header(), [Attendee("A-1")]) +
            $"{{\"id\":\"A-2\",\"name\":\"N\",\"ticketType\":\"general\",\"{field}\":\"{value}\",\"status\":\"active\",\"tokenHash\":\"AAAAAAAAAAAAAAAAAAAAAA\"}}\n";

        await AssertRefusedAtLine(3, text, $"{field} must be a date and time with its UTC offset");
    }

    [Theory]
    [InlineData("2026-12-06T23:30:00Z", "2026-12-06T23:30:00Z")]
    [InlineData("2026-12-07T00:30:00+01:00", "2026-12-06T23:30:00Z")]
    [InlineData("2026-12-06T15:30:00-08:00", "2026-12-06T23:30:00Z")]
    [InlineData("2026-12-06T23:30:00.000+00:00", "2026-12-06T23:30:00Z")]
    public async Task A_validity_time_with_a_UTC_offset_is_read_as_that_instant(string value, string instant)
    {
        var text = await WriteToText(Header(), []) +
            $"{{\"id\":\"A-1\",\"name\":\"N\",\"ticketType\":\"general\",\"validFrom\":\"{value}\",\"validUntil\":\"{value}\",\"status\":\"active\",\"tokenHash\":\"AAAAAAAAAAAAAAAAAAAAAA\"}}\n";

        var ledger = await ReadText(text);

        Assert.True(ledger.TryGet("A-1", out var read));
        var expected = DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds();
        Assert.Equal(expected, read.ValidFromUnix);
        Assert.Equal(expected, read.ValidUntilUnix);
    }

    [Fact]
    public async Task A_snapshot_starting_with_a_UTF8_byte_order_mark_reads_as_without_one()
    {
        var text = "\uFEFF" + await WriteToText(Header(), [Attendee("A-1"), Attendee("A-2")]);
        Assert.Equal([0xEF, 0xBB, 0xBF], Encoding.UTF8.GetBytes(text)[..3]);

        var ledger = await ReadText(text);

        Assert.Equal("expo-2030", ledger.EventId);
        Assert.Equal(2, ledger.Count);
        await AssertRefusedAtLine(1, "\uFEFF", "empty");
    }

    [Fact]
    public async Task A_header_with_an_event_id_longer_than_a_badge_holds_is_refused_at_line_1()
    {
        var text = await WriteToText(Header() with { EventId = new string('e', LedgerSnapshot.MaxEventIdBytes + 1) }, []);

        await AssertRefusedAtLine(1, text, "eventId is longer than 255 bytes");
        Assert.Equal(new string('e', 255), (await ReadText(await WriteToText(Header() with { EventId = new string('e', 255) }, []))).EventId);
    }
}
