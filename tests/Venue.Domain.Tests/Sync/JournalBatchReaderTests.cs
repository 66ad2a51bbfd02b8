using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Domain.Sync;

namespace Venue.Domain.Tests.Sync;

/// <summary>
/// The reader central parses journal uploads with, held to what System.Text.Json (with
/// <see cref="SyncJsonContext"/>) and <see cref="SyncWireMapping.TryFromWire"/> made of the same bytes.
/// </summary>
public sealed class JournalBatchReaderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 8, 59, 58, TimeSpan.FromHours(1));

    private static readonly string[] Gates = ["G01", "G02", "G03", "lane 3 \"north\"", "Tür-Ω", "\U0001F6AA", "back\\door"];

    // Raw UTF-8 in strings (the default encoder writes \u escapes) and indented text, as other writers might send.
    private static readonly JsonTypeInfo<JournalBatchWire> Relaxed = TypeInfo(new(SyncJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    private static readonly JsonTypeInfo<JournalBatchWire> Indented = TypeInfo(new(SyncJsonContext.Default.Options) { WriteIndented = true });

    public static TheoryData<int> Seeds => new(Enumerable.Range(1, 40));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_batches_read_as_System_Text_Json_and_TryFromWire_read_them_whole_or_in_small_segments(int seed)
    {
        var random = new Random(seed);
        var batch = RandomBatch(random);

        var body = random.Next(3) switch
        {
            0 => JsonSerializer.SerializeToUtf8Bytes(batch, SyncJsonContext.Default.JournalBatchWire),
            1 => JsonSerializer.SerializeToUtf8Bytes(batch, Relaxed),
            _ => JsonSerializer.SerializeToUtf8Bytes(batch, Indented),
        };

        var before = AssertReadAsBefore(body, random);
        Assert.False(before.Refused);
    }

    [Fact]
    public void Property_names_match_in_any_case()
    {
        var body = """
            {"EDGEID":"north","Entries":[{"SEQ":5,"Hlc":42,"AT":"2026-11-22T08:59:58+01:00","scannedat":"2026-11-22T08:59:57+01:00",
              "GATE":"G01","AtTeNdEe":"A1","TICKETTYPE":"general","Direction":"entry","REASON":"admitted","nOnce":"n5"}]}
            """u8.ToArray();

        var batch = AssertReadAsBefore(body, new Random(1));

        Assert.Equal("north", batch.EdgeId);
        Assert.Equal(Entry(5) with { ScannedAt = At.AddSeconds(-1) }, Assert.Single(batch.Entries!));
    }

    [Fact]
    public void Numbers_may_come_as_strings()
    {
        var body = Body("""{"seq":"5","hlc":"+42","at":"2026-11-22T08:59:58+01:00","scannedAt":"2026-11-22T08:59:58+01:00","gate":"G01","attendee":"A1","ticketType":"general","direction":"entry","reason":"admitted","nonce":"n5"}""");

        var batch = AssertReadAsBefore(body, new Random(1));

        Assert.Equal(Entry(5), Assert.Single(batch.Entries!));
    }

    [Theory]
    [InlineData("\"05\"")]
    [InlineData("\"-0\"")]
    [InlineData("\"\\u0035\"")]
    [InlineData("\"0000000000000000000000000000000000000000000000000005\"")]
    [InlineData("\"" + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000005\"")]
    [InlineData("\" 5\"")]
    [InlineData("\"5 \"")]
    [InlineData("\"5.0\"")]
    [InlineData("\"1e3\"")]
    [InlineData("\"\"")]
    [InlineData("\"0x10\"")]
    [InlineData("\"9223372036854775808\"")]
    [InlineData("\"\uFF15\"")]
    [InlineData("5.0")]
    [InlineData("1e3")]
    [InlineData("-7")]
    [InlineData("9223372036854775807")]
    [InlineData("9223372036854775808")]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("[]")]
    public void A_seq_in_an_odd_form_is_read_or_refused_as_System_Text_Json_does(string seq) =>
        AssertReadAsBefore(Body($$"""{"seq":{{seq}},"hlc":42,"gate":"G01","direction":"entry","reason":"admitted","nonce":"n"}"""), new Random(2));

    [Theory]
    [InlineData("""{"edgeId":"north","entries":[],"note":"hi"}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"colour":"blue"}]}""")]
    [InlineData("""{"$id":"1","edgeId":"north","entries":[]}""")]
    public void An_unknown_property_is_refused(string json)
    {
        var before = AssertReadAsBefore(Encoding.UTF8.GetBytes(json), new Random(3));

        Assert.True(before.Refused);
    }

    [Theory]
    [InlineData(" {\"edgeId\":\"north\"}", true)]
    [InlineData("x", true)]
    [InlineData(",", true)]
    [InlineData("]", true)]
    [InlineData("\0", true)]
    [InlineData(" \r\n\t ", false)]
    public void Content_after_the_batch_is_refused_but_white_space_is_not(string after, bool refused)
    {
        var body = Encoding.UTF8.GetBytes(Batch(Json(Entry(1))) + after);

        var before = AssertReadAsBefore(body, new Random(4));

        Assert.Equal(refused, before.Refused);
    }

    [Fact]
    public void A_repeated_property_in_an_entry_refuses_the_batch()
    {
        var body = Body("""{"seq":1,"hlc":42,"gate":"G09","direction":"sideways","reason":"admitted","nonce":"n","seq":5,"direction":"entry","gate":"G01","at":"2026-11-22T08:59:58+01:00","scannedAt":"2026-11-22T08:59:58+01:00","attendee":"A1","ticketType":"general","nonce":"n5"}""");

        var batch = AssertReadAsBefore(body, new Random(5));

        Assert.True(batch.Refused);
        var thrown = Assert.Throws<JsonException>(() => new JournalBatchReader().Read(new ReadOnlySequence<byte>(body)));
        Assert.Contains("$.entries[0].seq: the property appears twice", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_property_repeated_in_another_case_refuses_the_batch()
    {
        var body = Body("""{"seq":5,"hlc":42,"at":"2026-11-22T08:59:58+01:00","scannedAt":"2026-11-22T08:59:58+01:00","gate":"G01","attendee":"A1","ticketType":"general","direction":"entry","reason":"admitted","nonce":"n5","Nonce":"n6"}""");

        Assert.True(AssertReadAsBefore(body, new Random(7)).Refused);
    }

    [Fact]
    public void A_repeated_entries_array_refuses_the_batch()
    {
        var body = Encoding.UTF8.GetBytes($$"""{"edgeId":"north","entries":[null,{{Json(Entry(1))}}],"entries":[{{Json(Entry(5))}}]}""");

        var batch = AssertReadAsBefore(body, new Random(6));

        Assert.True(batch.Refused);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("null")]
    [InlineData("null x")]
    [InlineData("[]")]
    [InlineData("5")]
    [InlineData("\"north\"")]
    [InlineData("{}")]
    [InlineData("""{"edgeId":"north"}""")]
    [InlineData("""{"edgeId":null,"entries":[]}""")]
    [InlineData("""{"edgeId":5,"entries":[]}""")]
    [InlineData("""{"edgeId":"north","entries":null}""")]
    [InlineData("""{"edgeId":"north","entries":{}}""")]
    [InlineData("""{"edgeId":"north","entries":[5]}""")]
    [InlineData("""{"edgeId":"north","entries":[[]]}""")]
    [InlineData("""{"edgeId":"north","entries":[null]}""")]
    [InlineData("""{"edgeId":"north","entries":[{}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"gate":5}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"at":null}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"at":5}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"at":"2026-11-22"}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"at":"2026-11-22T08:59:58.1213+14:00"}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"at":"22 Nov 2026"}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"at":"2026-11-22T08:59:5\u0038Z"}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"at":"2026-11-22T08:59:58\uD800Z"}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"direction":5}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"reason":{}}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"gate":"G01","direction":"Entry","reason":"admitted","nonce":"n"}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"gate":"G01","direction":"entr\u0079","reason":"admitt\u0065d","nonce":"n"}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"\u0073eq":1,"h\u006Cc":1,"gate":"G\u0030\u0031","direction":"exit","reason":"exited","nonce":"\u00E9"}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"\u017Feq":1}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"d\u0131rection":"entry"}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"tic\u212AetType":"general"}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"gate":"\uD800"}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"\uD800":1}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,"hlc":1,"gate":"G01","direction":"\uDC00","reason":"admitted","nonce":"n"}]}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1}""")]
    [InlineData("""{"edgeId":"north","entries":[{"seq":1,},]}""")]
    [InlineData("""{"edgeId":"north",/* a comment */"entries":[]}""")]
    [InlineData("""{'edgeId':'north','entries':[]}""")]
    public void An_odd_batch_is_read_or_refused_as_System_Text_Json_does(string json) =>
        AssertReadAsBefore(Encoding.UTF8.GetBytes(json), new Random(7));

    [Theory]
    [InlineData("gate")]
    [InlineData("attendee")]
    [InlineData("ticketType")]
    [InlineData("direction")]
    [InlineData("reason")]
    [InlineData("nonce")]
    public void A_string_that_is_not_UTF8_is_refused(string property)
    {
        var body = Encoding.UTF8.GetBytes(Batch(Json(Entry(1))).Replace(
            $"\"{property}\":\"", $"\"{property}\":\"QQ", StringComparison.Ordinal));
        var at = body.AsSpan().IndexOf("QQ"u8);
        body[at] = 0xC3;
        body[at + 1] = 0x28;

        var before = AssertReadAsBefore(body, new Random(8));

        Assert.True(before.Refused);
    }

    [Theory]
    [InlineData("seq 0", "seq 0 is not positive")]
    [InlineData("seq -3", "seq -3 is not positive")]
    [InlineData("hlc 0", "entry 5: hlc must be positive")]
    [InlineData("hlc max", "entry 5: hlc 9223372036854775807 reads as 6429-10-17, after the year 3000; check the edge's clock")]
    [InlineData("gate empty", "entry 5: gate is missing")]
    [InlineData("gate missing", "entry 5: gate is missing")]
    [InlineData("nonce missing", "entry 5: nonce is missing")]
    [InlineData("gate long", "entry 5: an id is longer than 128 characters")]
    [InlineData("attendee long", "entry 5: an id is longer than 128 characters")]
    [InlineData("nonce long", "entry 5: an id is longer than 128 characters")]
    [InlineData("direction unknown", "entry 5: direction 'sideways' is not entry or exit")]
    [InlineData("direction capitalised", "entry 5: direction 'Entry' is not entry or exit")]
    [InlineData("direction missing", "entry 5: direction '' is not entry or exit")]
    [InlineData("reason unknown", "entry 5: reason 'teleported' is not a known code")]
    [InlineData("reason missing", "entry 5: reason '' is not a known code")]
    [InlineData("entry null", "an entry is null")]
    public void Each_entry_problem_is_told_in_the_words_of_TryFromWire(string fault, string problem)
    {
        var wire = Break(Entry(5).ToWire(), fault);
        var body = JsonSerializer.SerializeToUtf8Bytes(new JournalBatchWire("north", [Entry(1).ToWire(), wire, Entry(9).ToWire()]),
            SyncJsonContext.Default.JournalBatchWire);

        var batch = new JournalBatchReader().Read(new ReadOnlySequence<byte>(body));

        Assert.False(SyncWireMapping.TryFromWire(wire, out _, out var told));
        Assert.Equal(problem, told);
        Assert.Equal(problem, batch.Problem);
        Assert.Equal(Entry(1), Assert.Single(batch.Entries!));
        Assert.Equal(3, batch.EntryCount);
        AssertReadAsBefore(body, new Random(9));
    }

    [Fact]
    public void A_gate_or_ticket_type_named_again_is_the_same_string()
    {
        var body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(new JournalBatchWire("north",
            [Entry(1).ToWire(), (Entry(2) with { GateId = "G02" }).ToWire(), Entry(3).ToWire(), (Entry(4) with { GateId = "G9" }).ToWire()]),
            SyncJsonContext.Default.JournalBatchWire)).Replace("\"G9\"", "\"G\\u0030\\u0031\"", StringComparison.Ordinal));

        foreach (var sequence in new[] { new ReadOnlySequence<byte>(body), SegmentedSequence.Split(body, new Random(10), 3) })
        {
            var entries = new JournalBatchReader().Read(sequence).Entries!;

            Assert.Equal(["G01", "G02", "G01", "G01"], entries.Select(e => e.GateId));
            Assert.Same(entries[0].GateId, entries[2].GateId);
            Assert.Same(entries[0].GateId, entries[3].GateId);
            Assert.Same(entries[0].TicketType, entries[1].TicketType);
            Assert.Same(entries[0].TicketType, entries[3].TicketType);
        }
    }

    [Fact]
    public void Many_distinct_gates_keep_the_reader_to_its_bound_and_are_all_read()
    {
        var wires = Enumerable.Range(1, 1_000).Select(i => (Entry(i) with { GateId = $"G{i % 500:D4}" }).ToWire()).ToList();
        var body = JsonSerializer.SerializeToUtf8Bytes(new JournalBatchWire("north", wires), SyncJsonContext.Default.JournalBatchWire);
        var reader = new JournalBatchReader();

        var entries = reader.Read(new ReadOnlySequence<byte>(body)).Entries!;

        Assert.Equal(wires.Select(w => w.Gate), entries.Select(e => e.GateId));
        Assert.Equal(64, reader.CachedGateCount);
        // Gates met after the cache filled are made each time.
        Assert.Same(entries[0].GateId, entries[500].GateId);
        Assert.NotSame(entries[100].GateId, entries[600].GateId);
    }

    [Fact]
    public void The_string_cache_keeps_no_more_values_than_its_capacity_and_none_longer_than_its_limit()
    {
        var cache = new Utf8StringCache(capacity: 4, maxBytes: 8);

        for (var i = 0; i < 10; i++)
        {
            cache.Add(Encoding.UTF8.GetBytes($"G{i}"), $"G{i}");
        }

        cache.Add("G0123456789"u8, "G0123456789");

        Assert.Equal(4, cache.Count);
        Assert.True(cache.TryGet("G3"u8, out var kept));
        Assert.Equal("G3", kept);
        Assert.False(cache.TryGet("G4"u8, out _));
        Assert.False(cache.TryGet("G0123456789"u8, out _));
    }

    [Fact]
    public void The_reader_knows_the_properties_of_the_wire_records_and_no_others()
    {
        Assert.Equal(SyncJsonContext.Default.JournalBatchWire.Properties.Select(p => p.Name), JournalBatchReader.BatchPropertyNames);
        Assert.Equal(SyncJsonContext.Default.JournalEntryWire.Properties.Select(p => p.Name), JournalBatchReader.EntryPropertyNames);
    }

    [Fact]
    public void Reason_codes_read_from_UTF8_as_from_strings()
    {
        foreach (var reason in Enum.GetValues<ScanReason>())
        {
            Assert.True(ScanReasons.TryParse(Encoding.UTF8.GetBytes(reason.Code()), out var read));
            Assert.Equal(reason, read);
        }

        Assert.False(ScanReasons.TryParse("Admitted"u8, out _));
        Assert.False(ScanReasons.TryParse("admitted "u8, out _));
        Assert.False(ScanReasons.TryParse(ReadOnlySpan<byte>.Empty, out _));
    }

    private static JournalEntry Entry(long seq) =>
        new("G01", "A1", ScanDirection.Entry, ScanReason.Admitted, $"n{seq}", At, At) { Sequence = seq, Hlc = 42, TicketType = "general" };

    private static string Json(JournalEntry entry) => JsonSerializer.Serialize(entry.ToWire(), SyncJsonContext.Default.JournalEntryWire);

    private static string Batch(string entryJson) => $$"""{"edgeId":"north","entries":[{{entryJson}}]}""";

    private static byte[] Body(string entryJson) => Encoding.UTF8.GetBytes(Batch(entryJson));

    private static JournalEntryWire Break(JournalEntryWire w, string fault) => fault switch
    {
        "seq 0" => w with { Seq = 0 },
        "seq -3" => w with { Seq = -3 },
        "hlc 0" => w with { Hlc = 0 },
        "hlc max" => w with { Hlc = long.MaxValue },
        "gate empty" => w with { Gate = "" },
        "gate missing" => w with { Gate = null! },
        "nonce missing" => w with { Nonce = null! },
        "gate long" => w with { Gate = new string('g', 129) },
        "attendee long" => w with { Attendee = new string('a', 129) },
        "nonce long" => w with { Nonce = new string('n', 129) },
        "direction unknown" => w with { Direction = "sideways" },
        "direction capitalised" => w with { Direction = "Entry" },
        "direction missing" => w with { Direction = null! },
        "reason unknown" => w with { Reason = "teleported" },
        "reason missing" => w with { Reason = null! },
        "entry null" => null!,
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, null),
    };

    private static JournalBatchWire RandomBatch(Random random)
    {
        // Two batches in three are clean; the rest break about one entry in 40.
        var faultEvery = random.Next(3) == 0 ? 40 : 0;
        var entries = new List<JournalEntryWire>();
        for (var i = random.Next(0, 150); i > 0; i--)
        {
            var wire = RandomEntry(random);
            entries.Add(faultEvery > 0 && random.Next(faultEvery) == 0 ? Break(wire, Faults[random.Next(Faults.Length)]) : wire);
        }

        return new JournalBatchWire(random.Next(20) == 0 ? "" : Pick(random, "north", "south", "hall-2", "édge ✓"), entries);
    }

    private static readonly string[] Faults =
    [
        "seq 0", "seq -3", "hlc 0", "gate empty", "gate missing", "nonce missing", "gate long", "attendee long", "nonce long",
        "direction unknown", "direction capitalised", "direction missing", "reason unknown", "reason missing", "entry null",
    ];

    private static JournalEntryWire RandomEntry(Random random) => new(
        Seq: random.Next(4) == 0 ? random.NextInt64(1, long.MaxValue) : random.Next(1, 5_000),
        Hlc: random.NextInt64(1, long.MaxValue),
        At: RandomTime(random),
        ScannedAt: RandomTime(random),
        Gate: random.Next(10) == 0 ? RandomText(random, 1, 20) : Pick(random, Gates),
        Attendee: random.Next(5) == 0 ? null : RandomText(random, 1, 40),
        TicketType: random.Next(30) == 0 ? RandomText(random, 100, 400) : random.Next(4) == 0 ? null : Pick(random, "general", "vip", "staff", "Ermäßigt"),
        Direction: Pick(random, "entry", "exit"),
        Reason: Pick(random, [.. ScanReasons.AllCodes]),
        Nonce: RandomText(random, 0, 30));

    private static DateTimeOffset RandomTime(Random random) => new(
        random.NextInt64(new DateTime(2000, 1, 1).Ticks, new DateTime(2100, 1, 1).Ticks),
        TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60 + 1)));

    private static readonly string[] Pieces =
        ["a", "Z", "0", "9", "-", "_", " ", "\"", "\\", "/", "\n", "\t", "\u0001", "é", "Ω", "中", "\U0001F600", "+", "<", "&"];

    private static string RandomText(Random random, int min, int max)
    {
        var text = new StringBuilder();
        for (var i = random.Next(min, max + 1); i > 0; i--)
        {
            text.Append(Pick(random, Pieces));
        }

        return text.ToString();
    }

    private static T Pick<T>(Random random, params T[] choices) => choices[random.Next(choices.Length)];

    private static JsonTypeInfo<JournalBatchWire> TypeInfo(JsonSerializerOptions options) =>
        (JsonTypeInfo<JournalBatchWire>)options.GetTypeInfo(typeof(JournalBatchWire));

    /// <summary>
    /// Reads <paramref name="body"/> as central did before (System.Text.Json, then TryFromWire entry by entry
    /// up to the first problem) and with the reader, whole and cut into small segments three ways, and
    /// asserts the same outcome each time. Returns the outcome.
    /// </summary>
    private static Outcome AssertReadAsBefore(byte[] body, Random random)
    {
        var before = ReadAsBefore(body);
        AssertSame(before, ReadWithReader(new ReadOnlySequence<byte>(body)));
        foreach (var maxSegment in new[] { 1, 7, 64 })
        {
            AssertSame(before, ReadWithReader(SegmentedSequence.Split(body, random, maxSegment)));
        }

        return before;
    }

    private static Outcome ReadAsBefore(byte[] body)
    {
        try
        {
            var json = new Utf8JsonReader(body);
            var batch = JsonSerializer.Deserialize(ref json, SyncJsonContext.Default.JournalBatchWire);
            json.Read();
            if (batch?.Entries is null)
            {
                return new Outcome(false, batch?.EdgeId, null, 0, null);
            }

            var entries = new List<JournalEntry>();
            string? problem = null;
            foreach (var wire in batch.Entries)
            {
                if (!SyncWireMapping.TryFromWire(wire, out var entry, out problem))
                {
                    break;
                }

                entries.Add(entry);
            }

            return new Outcome(false, batch.EdgeId, entries, batch.Entries.Count, problem);
        }
        catch (JsonException)
        {
            return new Outcome(true, null, null, 0, null);
        }
    }

    private static Outcome ReadWithReader(ReadOnlySequence<byte> body)
    {
        try
        {
            var batch = new JournalBatchReader().Read(body);
            return new Outcome(false, batch.EdgeId, batch.Entries, batch.EntryCount, batch.Problem);
        }
        catch (JsonException)
        {
            return new Outcome(true, null, null, 0, null);
        }
    }

    private static void AssertSame(Outcome before, Outcome now)
    {
        Assert.Equal(before.Refused, now.Refused);
        Assert.Equal(before.EdgeId, now.EdgeId);
        Assert.Equal(before.EntryCount, now.EntryCount);
        Assert.Equal(before.Problem, now.Problem);
        if (before.Entries is null)
        {
            Assert.Null(now.Entries);
            return;
        }

        Assert.NotNull(now.Entries);
        Assert.Equal(before.Entries, now.Entries);
        // Record equality compares times as instants; the offsets must survive too.
        Assert.Equal(before.Entries.Select(e => (e.At.Offset, e.ScannedAt.Offset)), now.Entries.Select(e => (e.At.Offset, e.ScannedAt.Offset)));
    }

    private sealed record Outcome(bool Refused, string? EdgeId, IReadOnlyList<JournalEntry>? Entries, int EntryCount, string? Problem);
}
