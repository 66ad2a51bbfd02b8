using System.Globalization;
using System.Text;
using Venue.Domain.Readers;
using Venue.Storage.Sqlite;

// Venue.Storage.CrashChild read-journal PATH
// Appends reads to the read journal at PATH from four concurrent loops until it is killed. Once an
// append has completed (is durable), it prints one line per batch: "ack EVENT:SEQUENCE ... end"
// for the batch's reader, so a line cut short by the kill is recognisably incomplete. Each batch
// also repeats the previous batch's last read, which must come back as a duplicate.
const int Loops = 4;
const int BatchSize = 50;

if (args is not ["read-journal", var path])
{
    Console.Error.WriteLine("usage: Venue.Storage.CrashChild read-journal PATH");
    return 2;
}

var journal = SqliteReadJournal.Open(path, TimeProvider.System);
// One write per flushed batch (well under the pipe's atomic size), so lines are never interleaved.
var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), bufferSize: 16 * 1024) { AutoFlush = false };
var gate = new object();

await Task.WhenAll(Enumerable.Range(0, Loops).Select(loop => Task.Run(async () =>
{
    var reader = $"reader-{loop}";
    var line = new StringBuilder();
    long next = 1;
    while (true)
    {
        var batch = new TagRead[BatchSize];
        var first = next == 1 ? 0 : 1;
        if (first == 1)
        {
            batch[0] = Read(reader, next - 1);
        }

        for (var i = first; i < BatchSize; i++)
        {
            batch[i] = Read(reader, next++);
        }

        var result = await journal.AppendReadsAsync(batch);
        if (result.Duplicates != first)
        {
            throw new InvalidOperationException($"{reader}: {result.Duplicates} duplicates in a batch that repeats {first} read.");
        }

        line.Clear().Append("ack ").Append(reader);
        foreach (var accepted in result.Accepted)
        {
            line.Append(CultureInfo.InvariantCulture, $" {accepted.Read.EventNum}:{accepted.Sequence}");
        }

        line.Append(" end");
        lock (gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
})));
return 0;

static TagRead Read(string reader, long eventNum) =>
    new(reader, eventNum, $"E200{eventNum:X20}", (int)(eventNum % 2) + 1, -55.5, DateTimeOffset.UnixEpoch.AddSeconds(1_900_000_000).AddMicroseconds(eventNum));
