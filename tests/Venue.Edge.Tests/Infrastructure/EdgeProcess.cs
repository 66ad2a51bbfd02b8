using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Venue.Edge.Tests.Infrastructure;

/// <summary>
/// A running <c>venue edge --config FILE --urls http://127.0.0.1:PORT</c> process. Killing it sends
/// SIGKILL (what <see cref="Process.Kill()"/> does on Linux): no shutdown code runs.
/// </summary>
public sealed class EdgeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private EdgeProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>What the process printed so far (for failure messages).</summary>
    public string Output => string.Join('\n', _output);

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    /// <summary>Starts the edge and returns once <c>/healthz</c> answers 200.</summary>
    public static async Task<EdgeProcess> StartAsync(string configPath, string workingDirectory, TimeSpan timeout)
    {
        var port = VenueExecutable.FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        var process = Process.Start(VenueExecutable.StartInfo(workingDirectory, "edge", "--config", configPath, "--urls", address.ToString().TrimEnd('/')))!;
        var edge = new EdgeProcess(process, address);
        try
        {
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
            await Eventually.UntilAsync(async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"venue edge exited with {process.ExitCode} before it was healthy:\n{edge.Output}");
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
            }, timeout, $"venue edge on {address} to answer /healthz");
        }
        catch
        {
            await edge.DisposeAsync();
            throw;
        }

        return edge;
    }

    /// <summary>SIGKILL, then waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync().Within(TimeSpan.FromSeconds(10), "the SIGKILLed edge process to be reaped");
    }

    public async ValueTask DisposeAsync()
    {
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
