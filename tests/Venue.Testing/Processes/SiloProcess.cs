using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Venue.Testing.Processes;

/// <summary>
/// How to start one silo: <c>venue {role} --config FILE --urls http://127.0.0.1:PORT</c> in a working
/// directory, with extra environment variables (secrets such as <c>VENUE_Edge__Central__Token</c>
/// belong there, as operators set them). The port is part of it, so a restart listens where the
/// silo's clients (and proxies) already point.
/// </summary>
public sealed record SiloStart(string Role, string ConfigPath, string WorkingDirectory, int Port, IReadOnlyDictionary<string, string>? Environment = null)
{
    /// <summary>More options for the command (e.g. <c>--dashboard</c>).</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    public Uri Address => new($"http://127.0.0.1:{Port}");

    /// <summary><c>venue edge</c> on a free loopback port.</summary>
    public static SiloStart Edge(string configPath, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null) =>
        new("edge", configPath, workingDirectory, VenueExecutable.FreePort(), environment);

    /// <summary><c>venue central</c> on a free loopback port.</summary>
    public static SiloStart Central(string configPath, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null) =>
        new("central", configPath, workingDirectory, VenueExecutable.FreePort(), environment);
}

/// <summary>
/// A running <c>venue edge</c> or <c>venue central</c> process. Killing it sends SIGKILL (what
/// <see cref="Process.Kill()"/> does on Linux): no shutdown code runs.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    /// <summary>Lines of output kept for failure messages (the newest).</summary>
    private const int KeptLines = 400;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private int _disposed;

    private SiloProcess(Process process, SiloStart start)
    {
        _process = process;
        Start = start;
        _process.OutputDataReceived += (_, e) => Keep(e.Data, _output);
        _process.ErrorDataReceived += (_, e) =>
        {
            Keep(e.Data, _output);
            Keep(e.Data, _errors);
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public SiloStart Start { get; }

    public Uri Address => Start.Address;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>What the process printed so far (the last few hundred lines, for failure messages).</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>What the process printed on stderr alone (the last few hundred lines): where a command's own last words go.</summary>
    public string StandardError => string.Join('\n', _errors);

    private static void Keep(string? line, ConcurrentQueue<string> lines)
    {
        if (line is null)
        {
            return;
        }

        lines.Enqueue(line);
        while (lines.Count > KeptLines && lines.TryDequeue(out _))
        {
        }
    }

    /// <summary><c>venue edge</c> on a free port; returns once <c>/healthz</c> answers 200.</summary>
    public static Task<SiloProcess> StartEdgeAsync(string configPath, string workingDirectory, TimeSpan timeout) =>
        StartAsync(SiloStart.Edge(configPath, workingDirectory), timeout);

    /// <summary>Starts the silo and returns once <c>/healthz</c> answers 200.</summary>
    public static async Task<SiloProcess> StartAsync(SiloStart start, TimeSpan timeout)
    {
        var info = VenueExecutable.StartInfo(start.WorkingDirectory,
            [start.Role, "--config", start.ConfigPath, "--urls", start.Address.ToString().TrimEnd('/'), .. start.Options]);
        foreach (var (name, value) in start.Environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info)!;
        var silo = new SiloProcess(process, start);
        try
        {
            using var http = new HttpClient { BaseAddress = start.Address, Timeout = TimeSpan.FromSeconds(2) };
            await Eventually.UntilAsync(async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"venue {start.Role} exited with {process.ExitCode} before it was healthy:\n{silo.Output}");
                }

                try
                {
                    using var response = await http.GetAsync("/healthz");
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException)
                {
                    return false;
                }
            }, timeout, () => $"venue {start.Role} on {start.Address} to answer /healthz; it printed:\n{silo.Output}");
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }

        return silo;
    }

    /// <summary><c>GET /healthz</c> as JSON.</summary>
    public async Task<JsonElement> HealthAsync(CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        using var response = await http.GetAsync("/healthz", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"venue {Start.Role} on {Address}: /healthz answered {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>SIGKILL, then waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync().Within(TimeSpan.FromSeconds(10), $"the SIGKILLed {Start.Role} process to be reaped");
    }

    /// <summary>SIGTERM (what <c>docker stop</c> and systemd send), then waits until the process has exited on its own.</summary>
    public async Task TerminateAsync(TimeSpan within)
    {
        if (!_process.HasExited)
        {
            await Signals.TerminateAsync(_process.Id, goneIsFine: () => _process.HasExited);
        }

        await _process.WaitForExitAsync().Within(within, $"the {Start.Role} process to exit after SIGTERM");
    }

    /// <summary>Awaits the process exiting on its own (and the last of its output being read); returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        await _process.WaitForExitAsync().Within(within, $"the {Start.Role} process to exit on its own");
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, then the same command again on the same port and data: what a supervisor does after a crash.</summary>
    public async Task<SiloProcess> RestartAfterKillAsync(TimeSpan timeout)
    {
        await DisposeAsync();
        return await StartAsync(Start, timeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }
}
