using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;

// Usage: dotnet run -c Release --project benchmarks/Venue.ColdStart -- [attendees=1000000] [runs=3]
var attendees = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var venueDll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/Venue.Cli/bin/Release/net10.0/venue.dll"));
if (!File.Exists(venueDll))
{
    Console.Error.WriteLine($"Build the CLI first: dotnet build -c Release src/Venue.Cli (looked for {venueDll}).");
    return 2;
}

var work = Directory.CreateTempSubdirectory("venue-coldstart-").FullName;
try
{
    Console.WriteLine($"Writing ledgers of {attendees:N0} and of 1 attendee(s) into {work} ...");
    var big = await WriteLedgerAsync(Path.Combine(work, "big.jsonl"), attendees);
    var tiny = await WriteLedgerAsync(Path.Combine(work, "tiny.jsonl"), 1);
    Console.WriteLine($"  {new FileInfo(big).Length / 1e6:N0} MB snapshot");

    var baseline = new List<(double Seconds, long RssBytes)>();
    var loaded = new List<(double Seconds, long RssBytes)>();
    for (var run = 0; run < runs; run++)
    {
        baseline.Add(await ColdStartAsync(venueDll, tiny, Path.Combine(work, $"tiny-{run}")));
        loaded.Add(await ColdStartAsync(venueDll, big, Path.Combine(work, $"big-{run}")));
        Console.WriteLine($"  run {run + 1}: {attendees:N0} attendees ready in {loaded[^1].Seconds:0.00} s, RSS {loaded[^1].RssBytes / 1e6:N0} MB; empty edge ready in {baseline[^1].Seconds:0.00} s, RSS {baseline[^1].RssBytes / 1e6:N0} MB");
    }

    var startMedian = loaded.Select(l => l.Seconds).Order().ElementAt(runs / 2);
    var perAttendee = (loaded.Select(l => l.RssBytes).Order().ElementAt(runs / 2) - baseline.Select(b => b.RssBytes).Order().ElementAt(runs / 2)) / (double)attendees;
    Console.WriteLine();
    Console.WriteLine($"| figure | measured | goal |");
    Console.WriteLine($"| --- | --- | --- |");
    Console.WriteLine($"| edge cold start, {attendees:N0}-attendee ledger (launch to first healthy answer, median of {runs}) | {startMedian:0.00} s | <= 5 s |");
    Console.WriteLine($"| edge memory per attendee (RSS with ledger minus RSS of an empty edge) | {perAttendee:N0} B | <= 1 KB |");
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

// A real snapshot: the format the edge reads, realistic field sizes. Token hashes are random: what
// the edge does with them at start (parse, store) does not depend on their values, and signing a
// million badges would only slow this benchmark down.
static async Task<string> WriteLedgerAsync(string path, int count)
{
    string[] first = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Radia", "Leslie", "Frances", "Niklaus"];
    string[] last = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Perlman", "Lamport", "Allen", "Wirth"];
    string[] types = ["general", "general", "general", "general", "vip", "exhibitor", "press", "day-pass"];
    using var key = TicketSigningKey.Create("k1");
    var opening = DateTimeOffset.UtcNow.Date;
    var header = new LedgerHeader(LedgerSnapshot.Format, "demo", "Cold start", 1, opening,
        [new LedgerKey("k1", Convert.ToBase64String(key.ExportPublicKey()))],
        [new LedgerTicketType("general", true, null), new LedgerTicketType("vip", true, null), new LedgerTicketType("exhibitor", true, null),
         new LedgerTicketType("press", true, null), new LedgerTicketType("day-pass", false, null)],
        []);
    var random = new Random(1);
    Span<byte> hash = stackalloc byte[16];
    var lines = new List<LedgerAttendee>(count);
    for (var i = 0; i < count; i++)
    {
        random.NextBytes(hash);
        lines.Add(new LedgerAttendee($"A{i + 1:D7}", $"{first[random.Next(first.Length)]} {last[random.Next(last.Length)]}-{random.Next(1000)}",
            types[random.Next(types.Length)], opening, opening.AddDays(3), "active",
            TokenHash.Format(System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(hash)), null));
    }

    await using var file = File.Create(path);
    await LedgerSnapshot.WriteAsync(file, header, lines);
    return path;
}

static async Task<(double Seconds, long RssBytes)> ColdStartAsync(string venueDll, string ledger, string dataDirectory)
{
    var port = FreePort();
    var config = Path.Combine(Path.GetDirectoryName(ledger)!, $"edge-{port}.json");
    await File.WriteAllTextAsync(config, $$"""
        { "Edge": { "EdgeId": "cold", "DataDirectory": "{{dataDirectory}}", "LedgerPath": "{{ledger}}",
          "Gates": [ { "Id": "G01", "Name": "Gate 1" } ] },
          "Logging": { "LogLevel": { "Default": "Warning", "Venue": "Information" } } }
        """);
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
    var clock = Stopwatch.StartNew();
    using var edge = Process.Start(new ProcessStartInfo("dotnet", [venueDll, "edge", "--config", config, "--urls", $"http://127.0.0.1:{port}"])
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    })!;
    edge.OutputDataReceived += (_, e) => { if (e.Data?.Contains("started in", StringComparison.Ordinal) == true) Console.WriteLine($"    edge: {e.Data.Trim()}"); };
    edge.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"    edge: {e.Data}"); };
    edge.BeginOutputReadLine();
    edge.BeginErrorReadLine();
    try
    {
        var deadline = TimeSpan.FromSeconds(120);
        while (true)
        {
            if (edge.HasExited)
            {
                throw new InvalidOperationException($"The edge exited with {edge.ExitCode} before answering /healthz.");
            }

            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/healthz");
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > deadline)
            {
                throw new TimeoutException($"The edge did not answer /healthz within {deadline.TotalSeconds} s.");
            }

            await Task.Delay(20);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return (seconds, Rss(edge.Id));
    }
    finally
    {
        edge.Kill(entireProcessTree: true);
        await edge.WaitForExitAsync();
    }
}

static long Rss(int pid) =>
    File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024).First();

static int FreePort()
{
    using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}
