using System.Text;
using Venue.Central.Registration;

namespace Venue.Central.Tests.Integrator;

public sealed class CsvRecordReaderTests
{
    private static async Task<List<CsvRecord>> ReadAllAsync(string text, int chunk = 16 * 1024)
    {
        var reader = new CsvRecordReader(new TrickleReader(text, chunk));
        var records = new List<CsvRecord>();
        while (await reader.ReadAsync() is { } record)
        {
            records.Add(record);
        }

        return records;
    }

    private static async Task<List<CsvRecord>> ReadBytesAsync(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        using var text = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var reader = new CsvRecordReader(text);
        var records = new List<CsvRecord>();
        while (await reader.ReadAsync() is { } record)
        {
            records.Add(record);
        }

        return records;
    }

    [Fact]
    public async Task A_record_past_the_field_limits_is_an_error_holding_no_more_than_the_limits_and_the_next_record_reads_whole()
    {
        var text = "a" + new string(',', 10) + "\n" +            // 11 fields
                   "\"" + new string('x', 50) + "\ny\",b\n" +  // a quoted field of 52 characters, a line break inside
                   "c,d\n";
        var reader = new CsvRecordReader(new StringReader(text), maxFields: 4, maxFieldChars: 20);

        var wide = (await reader.ReadAsync())!;
        var deep = (await reader.ReadAsync())!;
        var next = (await reader.ReadAsync())!;

        Assert.Equal("the row has more than 4 fields", wide.Error);
        Assert.Equal(4, wide.Fields.Count);
        Assert.Equal("field 1 is longer than 20 characters", deep.Error);
        Assert.Equal(20, deep.Fields[0].Length);
        // The line break inside the over-long quoted field did not end its record.
        Assert.Equal(("b", 2L), (deep.Fields[1], deep.Line));
        Assert.Equal(["c", "d"], next.Fields);
        Assert.Equal(((string?)null, 4L), (next.Error, next.Line));
        Assert.Null(await reader.ReadAsync());
    }

    [Fact]
    public async Task Plain_fields_split_on_commas_and_records_on_CRLF()
    {
        var records = await ReadAllAsync("a,b,c\r\n1,2,3\r\n");

        Assert.Equal([["a", "b", "c"], ["1", "2", "3"]], records.Select(r => r.Fields.ToArray()));
        Assert.All(records, r => Assert.Null(r.Error));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public async Task LF_CRLF_and_a_lone_CR_all_end_a_record(string newline)
    {
        var records = await ReadAllAsync($"a,b{newline}1,2{newline}3,4");

        Assert.Equal([["a", "b"], ["1", "2"], ["3", "4"]], records.Select(r => r.Fields.ToArray()));
        Assert.Equal([1L, 2L, 3L], records.Select(r => r.Line));
    }

    [Fact]
    public async Task Quoted_fields_hold_commas_line_breaks_and_doubled_quotes()
    {
        var records = await ReadAllAsync("name,note\r\n\"Lovelace, Ada\",\"said \"\"hi\"\"\r\nthen left\"\r\nnext,row\r\n");

        Assert.Equal(3, records.Count);
        Assert.Equal(["Lovelace, Ada", "said \"hi\"\r\nthen left"], records[1].Fields);
        Assert.Equal(["next", "row"], records[2].Fields);
        // The quoted line break counts: the third record starts on line 4.
        Assert.Equal(4, records[2].Line);
    }

    [Fact]
    public async Task Empty_fields_are_kept_in_place()
    {
        var records = await ReadAllAsync(",x,,\"\"\n");

        Assert.Equal(["", "x", "", ""], Assert.Single(records).Fields);
    }

    [Fact]
    public async Task Blank_lines_are_not_records_but_count_as_lines()
    {
        var records = await ReadAllAsync("a\n\n\r\nb\n\n");

        Assert.Equal([["a"], ["b"]], records.Select(r => r.Fields.ToArray()));
        Assert.Equal([1L, 4L], records.Select(r => r.Line));
    }

    [Fact]
    public async Task A_UTF8_byte_order_mark_is_not_part_of_the_first_field()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("id,name\nA1,Zoë\n")).ToArray();

        var records = await ReadBytesAsync(bytes);

        Assert.Equal(["id", "name"], records[0].Fields);
        Assert.Equal(["A1", "Zoë"], records[1].Fields);
    }

    [Fact]
    public async Task A_BOM_left_in_decoded_text_is_dropped_too()
    {
        var records = await ReadAllAsync("\uFEFFid\nA1\n");

        Assert.Equal(["id"], records[0].Fields);
    }

    [Fact]
    public async Task A_stray_quote_spoils_its_record_only()
    {
        var records = await ReadAllAsync("a,b\n1,x\"y\n2,ok\n");

        Assert.Equal(3, records.Count);
        Assert.Contains("quote inside an unquoted field", records[1].Error);
        Assert.Null(records[2].Error);
        Assert.Equal(["2", "ok"], records[2].Fields);
        Assert.Equal(3, records[2].Line);
    }

    [Fact]
    public async Task Text_after_a_closing_quote_spoils_its_record_only()
    {
        var records = await ReadAllAsync("\"a\"b,c\nd,e\n");

        Assert.Contains("after the closing quote", records[0].Error);
        Assert.Equal(["d", "e"], records[1].Fields);
    }

    [Fact]
    public async Task A_quote_never_closed_is_reported_with_the_line_it_opened_on()
    {
        var records = await ReadAllAsync("a,b\n1,2\n3,\"never closed\n4,5\n");

        Assert.Equal(3, records.Count);
        Assert.Null(records[1].Error);
        Assert.Contains("line 3", records[2].Error);
        Assert.Equal(3, records[2].Line);
    }

    [Fact]
    public async Task The_last_record_needs_no_line_break()
    {
        var records = await ReadAllAsync("a,b\n1,\"2\"");

        Assert.Equal(["1", "2"], records[1].Fields);
        Assert.Null(records[1].Error);
    }

    [Fact]
    public async Task Records_split_across_read_buffers_read_the_same()
    {
        var text = string.Concat(Enumerable.Range(0, 200).Select(i => $"{i},\"q \"\"{i}\"\"\r\nline\",end\r\n"));

        var whole = await ReadAllAsync(text);
        var trickled = await ReadAllAsync(text, chunk: 1);

        Assert.Equal(200, whole.Count);
        Assert.Equal(whole.Select(r => (string.Join('|', r.Fields), r.Line)), trickled.Select(r => (string.Join('|', r.Fields), r.Line)));
        Assert.Equal($"q \"7\"\r\nline", whole[7].Fields[1]);
    }

    [Fact]
    public async Task An_empty_input_has_no_records()
    {
        Assert.Empty(await ReadAllAsync(""));
        Assert.Empty(await ReadAllAsync("\r\n\n"));
    }

    /// <summary>Hands out at most <c>chunk</c> characters per read, to cross every buffer boundary (CRLF split included).</summary>
    private sealed class TrickleReader(string text, int chunk) : TextReader
    {
        private int _at;

        public override int Read(char[] buffer, int index, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), text.Length - _at);
            text.CopyTo(_at, buffer, index, n);
            _at += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
        {
            var n = Math.Min(Math.Min(buffer.Length, chunk), text.Length - _at);
            text.AsSpan(_at, n).CopyTo(buffer.Span);
            _at += n;
            return ValueTask.FromResult(n);
        }
    }
}
