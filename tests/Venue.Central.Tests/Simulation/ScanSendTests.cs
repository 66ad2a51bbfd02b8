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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_edges_check_in_time_is_read_from_its_Server_Timing_header(bool withRequestTime)
    {
        // The header exactly as the edge writes it; HttpClient hands an unknown header over as one value, commas and all.
        var header = Venue.Edge.ScannerApi.ScanServerTiming.Format(TimeSpan.FromMilliseconds(0.462), withRequestTime ? TimeSpan.FromMilliseconds(0.512) : null);
        using var http = new HttpClient(new Answering(_ =>
        {
            var answer = new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                Content = new StringContent("""{"result":"admitted","reason":"admitted"}""", System.Text.Encoding.UTF8, "application/json"),
            };
            answer.Headers.TryAddWithoutValidation("Server-Timing", header);
            return answer;
        }));

        var outcome = await SimulationRunner.SendAsync(http, new Uri("http://127.0.0.1:1/"), Scan, "token", Stopwatch.StartNew(), CancellationToken.None);

        Assert.Equal(("admitted", 0.462), (outcome.Result, outcome.ServerMs));
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
