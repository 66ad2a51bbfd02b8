using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Venue.Domain.Devices;
using Venue.LoadHarness.Hosting;

namespace Venue.LoadHarness.Targets.Venue;

/// <summary>
/// A real <c>venue edge</c> child process (<c>dotnet venue.dll edge</c>, built from src/Venue.Cli) on a
/// free loopback port, over a data directory of its own, loading the event's ledger snapshot at start.
/// One scanner credential is registered with <c>venue edge devices add</c> before it starts, as an
/// operator would.
/// </summary>
internal sealed partial class VenueEdgeProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int TailLines = 40;
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopWithin = TimeSpan.FromSeconds(15);
    private static readonly JsonSerializerOptions ConfigJson = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly IDisposable _exitCleanup;

    private VenueEdgeProcess(Process process, Uri address, string token, string? opsToken, string dataDirectory)
    {
        _process = process;
        Address = address;
        Token = token;
        OpsToken = opsToken;
        DataDirectory = dataDirectory;
        _exitCleanup = ExitCleanup.Register(Kill);
    }

    /// <summary>Where the edge listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    /// <summary>The scanner credential's bearer token.</summary>
    public string Token { get; }

    /// <summary>An ops credential's bearer token (the console's API), when asked for at start.</summary>
    public string? OpsToken { get; }

    public string DataDirectory { get; }

    public string JournalPath => Path.Combine(DataDirectory, "journal.db");

    public int ProcessId => _process.Id;

    /// <summary>From launch to the first <c>200</c> from <c>/healthz</c>.</summary>
    public TimeSpan ReadyAfter { get; private set; }

    /// <summary>Attendees the edge says it loaded (from <c>/healthz</c>).</summary>
    public int Attendees { get; private set; }

    /// <summary>
    /// Writes <c>edge.json</c> into <paramref name="directory"/>, registers a scanner (and an ops
    /// credential when <paramref name="withOps"/>), starts the edge and waits until it is healthy.
    /// </summary>
    public static async Task<VenueEdgeProcess> StartAsync(VenueEvent venueEvent, string directory, int scansPerSecondPerDevice,
        CancellationToken cancellationToken, bool withOps = false)
    {
        var (dotnet, venueDll) = Locate();
        Directory.CreateDirectory(directory);
        var dataDirectory = Path.Combine(directory, "data");
        var config = Path.Combine(directory, "edge.json");
        await WriteConfigAsync(config, venueEvent, dataDirectory, scansPerSecondPerDevice, cancellationToken);
        var token = await AddDeviceAsync(dotnet, venueDll, config, "scanner", cancellationToken);
        var opsToken = withOps ? await AddDeviceAsync(dotnet, venueDll, config, "ops", cancellationToken) : null;

        var address = new Uri($"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}/");
        var info = new ProcessStartInfo(dotnet)
        {
            UseShellExecute = false,
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { venueDll, "edge", "--config", config, "--urls", address.GetLeftPart(UriPartial.Authority) })
        {
            info.ArgumentList.Add(argument);
        }

        ClearVenueOverrides(info);
        var clock = Stopwatch.StartNew();
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet venue.dll edge did not start");
        var edge = new VenueEdgeProcess(process, address, token, opsToken, dataDirectory);
        process.OutputDataReceived += (_, e) => edge.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => edge.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await edge.WaitUntilHealthyAsync(clock, cancellationToken);
            return edge;
        }
        catch
        {
            await edge.DisposeAsync();
            throw;
        }
    }

    /// <summary>The dotnet host that runs this harness, and the venue.dll built with it (see the project file).</summary>
    private static (string Dotnet, string VenueDll) Locate()
    {
        var venueDll = typeof(VenueEdgeProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "VenueCliAssembly")?.Value;
        if (venueDll is null || !File.Exists(venueDll))
        {
            throw new TargetUnavailableException($"venue.dll is not built (looked for {venueDll ?? "a path in the assembly metadata"}; dotnet build src/Venue.Cli)");
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/ is the running runtime; <root>/dotnet its host.
        var fromRuntime = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        var dotnet = File.Exists(fromRuntime) ? fromRuntime : Executables.Find("dotnet")
            ?? throw new TargetUnavailableException("the dotnet host was found neither next to the running runtime nor on PATH");
        return (dotnet, venueDll);
    }

    private static async Task WriteConfigAsync(string path, VenueEvent venueEvent, string dataDirectory, int scansPerSecondPerDevice,
        CancellationToken cancellationToken)
    {
        var config = new
        {
            Edge = new
            {
                EdgeId = "harness-edge",
                DataDirectory = dataDirectory,
                LedgerPath = venueEvent.SnapshotPath,
                ScansPerSecondPerDevice = scansPerSecondPerDevice,
                Gates = venueEvent.Gates.Select(g => new { g.Id, g.Name, g.Zone, g.AllowedTicketTypes, g.OpensAt, g.ClosesAt }),
            },
            // The console-load clients stand for separate consoles but share one ops token: lift the per-sign-in cap.
            Console = new { Feed = new { StreamsPerSession = 1000 } },
            // Nothing per request at Warning: the console logger would otherwise cost the edge time in every scan.
            Logging = new { LogLevel = new { Default = "Warning" } },
        };
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, config, ConfigJson, cancellationToken);
    }

    /// <summary><c>venue edge devices add</c>; its token is the one line of its output that starts with <c>vdt_</c>.</summary>
    private static async Task<string> AddDeviceAsync(string dotnet, string venueDll, string config, string role, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(dotnet, [venueDll, "edge", "devices", "add", "--config", config, "--name", $"load-harness-{role}", "--role", role],
            TimeSpan.FromSeconds(60), cancellationToken);
        var token = result.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(DeviceToken.Prefix, StringComparison.Ordinal));
        if (!result.Succeeded || token is null)
        {
            throw new InvalidOperationException($"venue edge devices add failed ({result.ExitCode}): {result.Output}");
        }

        return token;
    }

    /// <summary>VENUE_Edge__... variables override the config file; none of the harness' environment should.</summary>
    private static void ClearVenueOverrides(ProcessStartInfo info)
    {
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("VENUE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }
    }

    private async Task WaitUntilHealthyAsync(Stopwatch clock, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"venue edge exited with {_process.ExitCode} before answering /healthz: {Tail()}");
            }

            try
            {
                if (await HealthAsync(http, cancellationToken) is { } health)
                {
                    ReadyAfter = clock.Elapsed;
                    Attendees = health.Attendees;
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Not listening yet, or still loading the ledger.
            }

            if (clock.Elapsed > ReadyWithin)
            {
                throw new TimeoutException($"venue edge did not answer /healthz with 200 within {ReadyWithin.TotalSeconds:0} s: {Tail()}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>The journal's last sequence number, from <c>/healthz</c>.</summary>
    public async Task<long> JournalSequenceAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        var health = await HealthAsync(http, cancellationToken) ?? throw new InvalidOperationException("venue edge /healthz did not answer 200");
        return health.JournalSequence;
    }

    /// <summary><c>/healthz</c>'s body (HealthBody in src/Venue.Edge/ScannerApi/ScannerWire.cs), or null when it is not 200.</summary>
    private static async Task<(int Attendees, long JournalSequence)?> HealthAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("healthz", cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return (body.RootElement.GetProperty("attendees").GetInt32(), body.RootElement.GetProperty("journalSequence").GetInt64());
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > TailLines)
            {
                _output.Dequeue();
            }
        }
    }

    /// <summary>The last lines the edge printed, for error messages.</summary>
    private string Tail()
    {
        lock (_output)
        {
            return _output.Count == 0 ? "(no output)" : string.Join(" | ", _output);
        }
    }

    /// <summary>SIGTERM, so the edge shuts down as in production (journal flushed and closed); SIGKILL if it takes too long.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                if (OperatingSystem.IsWindows() || kill(_process.Id, SigTerm) != 0)
                {
                    Kill();
                }

                using var limit = new CancellationTokenSource(StopWithin);
                try
                {
                    await _process.WaitForExitAsync(limit.Token);
                }
                catch (OperationCanceledException)
                {
                    Console.Error.WriteLine($"venue edge (pid {_process.Id}) did not stop within {StopWithin.TotalSeconds:0} s of SIGTERM; killed");
                    Kill();
                }
            }
        }
        finally
        {
            _exitCleanup.Dispose();
            _process.Dispose();
        }
    }

    private void Kill() => _process.KillQuietly();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
