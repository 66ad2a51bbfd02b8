using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Venue.Central.Silo;

/// <summary>Opens the store and starts the central silo before the server takes requests; stops it after.</summary>
public sealed class CentralSiloService(IOptions<CentralOptions> options, TimeProvider time, ILogger<CentralSilo> logger) : IHostedService
{
    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _stopping = new();
    private CentralSilo? _silo;
    private Task _heartbeat = Task.CompletedTask;

    public CentralSilo Silo => _silo ?? throw new InvalidOperationException("The central silo has not started.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var store = await CentralStoreFactory.OpenAsync(options.Value, time, cancellationToken);
        _silo = await CentralSilo.StartAsync(options.Value, store, time, logger, cancellationToken);
        await _silo.HeartbeatAsync(cancellationToken);
        _heartbeat = HeartbeatAsync(_silo, _stopping.Token);
    }

    /// <summary>Keeps central's row in the silo table fresh; a failed write is logged and tried again next time.</summary>
    private async Task HeartbeatAsync(CentralSilo silo, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(HeartbeatEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    await silo.HeartbeatAsync(stopping);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Could not write central's row of the silo table; retrying in {Seconds} s.", HeartbeatEvery.TotalSeconds);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _heartbeat;
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        _stopping.Dispose();
    }
}
