using System.Diagnostics;
using Venue.Domain.CheckIn;
using Venue.Simulation;

namespace Venue.Central.Tests.Simulation;

/// <summary>How the simulated scanner reports a scan that got no answer.</summary>
public sealed class ScanSendTests
{
    private static readonly PlannedScan Scan = new(TimeSpan.Zero, "G01", "VN1.token", ScanDirection.Entry, "n-1", ScanKind.Arrival, "A1", ScanReason.Admitted);

    [Fact]
    public async Task A_scan_the_edge_never_answers_is_a_failed_outcome_for_the_verdict_not_a_cancelled_run()
    {
        // What HttpClient throws when its Timeout passes: a TaskCanceledException wrapping a TimeoutException.
        using var http = new HttpClient(new Answering(_ => throw new TaskCanceledException("timed out", new TimeoutException()))) { Timeout = TimeSpan.FromSeconds(30) };

        var outcome = await SimulationRunner.SendAsync(http, new Uri("http://127.0.0.1:1/"), Scan, "token", Stopwatch.StartNew(), CancellationToken.None);

        Assert.Equal(0, outcome.Status);
        Assert.Null(outcome.Result);
        Assert.Contains("no answer", outcome.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scan_cut_short_by_the_runs_own_cancellation_still_cancels_the_run()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        using var http = new HttpClient(new Answering(_ => new HttpResponseMessage(System.Net.HttpStatusCode.OK)));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            SimulationRunner.SendAsync(http, new Uri("http://127.0.0.1:1/"), Scan, "token", Stopwatch.StartNew(), cancelled.Token));
    }

    private sealed class Answering(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(answer(request));
        }
    }
}
