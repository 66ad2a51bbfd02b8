using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;

// Usage: dotnet run -c Release --project benchmarks/Venue.ColdStart -- [attendees=1000000] [runs=3] [admit=yes|no]
// admit=yes (the default) adds one more run in which every attendee is scanned in once over HTTP, and
// the edge's memory is read again: the ledger plus every attendee's check-in state, the morning's end.
var attendees = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var admit = args.Length <= 2 || args[2] != "no";
var venueDll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/Venue.Cli/bin/Release/net10.0/venue.dll"));
if (!File.Exists(venueDll))
{
    Console.Error.WriteLine($"Build the CLI first: dotnet build -c Release src/Venue.Cli (looked for {venueDll}).");
    return 2;
}

var work = Directory.CreateTempSubdirectory("venue-coldstart-").FullName;
try
{
    Console.WriteLine($"Writing ledgers of {attendees:N0} and of 1 attendee(s) into {work}{(admit ? ", with a signed badge each" : "")} ...");
    var (big, tokens) = await WriteLedgerAsync(Path.Combine(work, "big.jsonl"), attendees, admit);
    var (tiny, _) = await WriteLedgerAsync(Path.Combine(work, "tiny.jsonl"), 1, sign: false);
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
    if (admit)
    {
        var emptyRss = baseline.Select(b => b.RssBytes).Order().ElementAt(runs / 2);
        var admitted = await AdmitEveryoneAsync(venueDll, big, tokens!, Path.Combine(work, "admitted"));
        Console.WriteLine($"| edge memory per attendee after each was admitted once over HTTP (RSS minus RSS of an empty edge; {admitted.Admitted:N0} admitted in {admitted.Seconds:0} s) | " +
            $"{(admitted.RssBytes - emptyRss) / (double)attendees:N0} B (RSS {admitted.RssBytes / 1e6:N0} MB; {(admitted.RssLaterBytes - emptyRss) / (double)attendees:N0} B 10 s later) | <= 1 KB |");
    }

    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

// A real snapshot: the format the edge reads, realistic field sizes. Token hashes are random: what
// the edge does with them at start (parse, store) does not depend on their values, and signing a
// million badges would only slow this benchmark down.
static async Task<(string Path, string[]? Tokens)> WriteLedgerAsync(string path, int count, bool sign)
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

    string[]? tokens = null;
    if (sign)
    {
        // Real badges, so the scans take the path real ones take (the ledger's token hash, no ECDSA check).
        tokens = new string[count];
        var pem = key.ExportPrivatePem();
        var from = (uint)new DateTimeOffset(opening, TimeSpan.Zero).ToUnixTimeSeconds();
        Parallel.For(0, Environment.ProcessorCount, part =>
        {
            using var signer = TicketSigningKey.FromPrivatePem("k1", pem);
            for (var i = part; i < count; i += Environment.ProcessorCount)
            {
                var line = lines[i];
                tokens[i] = signer.Issue(new BadgeClaims("k1", "demo", line.Id, line.TicketType, from, from + 3 * 86_400));
                lines[i] = line with { TokenHash = TokenHash.Format(TokenHash.Of(tokens[i])) };
            }
        });
    }

    await using var file = File.Create(path);
    await LedgerSnapshot.WriteAsync(file, header, lines);
    return (path, tokens);
}

static async Task<(double Seconds, long RssBytes)> ColdStartAsync(string venueDll, string ledger, string dataDirectory, Func<int, int, Task>? whileRunning = null)
{
    var port = FreePort();
    var config = ConfigPath(ledger, dataDirectory);
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
        var rss = Rss(edge.Id);
        if (whileRunning is not null)
        {
            await whileRunning(port, edge.Id);
        }

        return (seconds, rss);
    }
    finally
    {
        edge.Kill(entireProcessTree: true);
        await edge.WaitForExitAsync();
    }
}

static string ConfigPath(string ledger, string dataDirectory)
{
    const int Gates = 40;
    var config = dataDirectory + ".json";
    if (!File.Exists(config))
    {
        File.WriteAllText(config, $$"""
            { "Edge": { "EdgeId": "cold", "DataDirectory": "{{dataDirectory}}", "LedgerPath": "{{ledger}}",
              "Gates": [ {{string.Join(", ", Enumerable.Range(1, Gates).Select(g => $$$"""{ "Id": "G{{{g:D2}}}", "Name": "Gate {{{g}}}" }"""))}} ], "ScansPerSecondPerDevice": 1000000 },
              "Logging": { "LogLevel": { "Default": "Warning", "Venue": "Information" } } }
            """);
    }

    return config;
}

// One more cold start, then every attendee scanned in once over HTTP by 64 scanners at once (one real
// scanner credential, its rate limit lifted, the scanner API as gates call it), and the edge's memory read right after and
// 10 s later (a collection may have run by then).
static async Task<(int Admitted, double Seconds, long RssBytes, long RssLaterBytes)> AdmitEveryoneAsync(string venueDll, string ledger, string[] tokens, string dataDirectory)
{
    var config = ConfigPath(ledger, dataDirectory);
    var tokenFile = dataDirectory + ".token";
    using (var add = Process.Start(new ProcessStartInfo("dotnet", [venueDll, "edge", "devices", "add", "--config", config, "--name", "bench scanner", "--token-file", tokenFile])
    {
        RedirectStandardOutput = true,
    })!)
    {
        await add.WaitForExitAsync();
        if (add.ExitCode != 0)
        {
            throw new InvalidOperationException($"'venue edge devices add' exited with {add.ExitCode}.");
        }
    }

    var device = File.ReadAllText(tokenFile).Trim();
    var result = (Admitted: 0, Seconds: 0.0, RssBytes: 0L, RssLaterBytes: 0L);
    await ColdStartAsync(venueDll, ledger, dataDirectory, async (port, pid) =>
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", device);
        var next = -1;
        var admitted = 0;
        var failures = 0;
        var clock = Stopwatch.StartNew();
        var progress = new Timer(_ => Console.WriteLine($"    {Volatile.Read(ref admitted):N0} of {tokens.Length:N0} admitted after {clock.Elapsed.TotalSeconds:0} s"),
            null, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15));
        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < tokens.Length; i = Interlocked.Increment(ref next))
            {
                var body = System.Text.Json.JsonSerializer.Serialize(new { token = tokens[i], direction = "entry", nonce = $"cold-{i}", scannedAt = DateTimeOffset.UtcNow });
                using var response = await http.PostAsync($"v1/gates/G{i % 40 + 1:D2}/scans", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
                var answer = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode && answer.Contains("\"result\":\"admitted\"", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref admitted);
                }
                else if (Interlocked.Increment(ref failures) <= 3)
                {
                    Console.Error.WriteLine($"    scan {i}: {(int)response.StatusCode} {answer}");
                }
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        var rss = Rss(pid);
        await progress.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(10));
        result = (admitted, seconds, rss, Rss(pid));
        Console.WriteLine($"  admitted {admitted:N0} of {tokens.Length:N0} ({failures:N0} not admitted) in {seconds:0} s, {admitted / seconds:N0}/s; RSS {rss / 1e6:N0} MB, 10 s later {result.RssLaterBytes / 1e6:N0} MB");
    });
    return result;
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
