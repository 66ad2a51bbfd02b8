using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Venue.Domain.Central;

namespace Venue.Central.Silo;

/// <summary>
/// Opens the store, claims it (one central per store, see <see cref="ICentralClaim"/>) and starts
/// the central silo before the server takes requests; stops it after.
/// </summary>
public sealed class CentralSiloService(IOptions<CentralOptions> options, TimeProvider time, ILogger<CentralSilo> logger, IHostApplicationLifetime lifetime)
    : IHostedService
{
    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _stopping = new();
    private CentralSilo? _silo;
    private ICentralClaim? _claim;
    private Task _heartbeat = Task.CompletedTask;

    public CentralSilo Silo => _silo ?? throw new InvalidOperationException("The central silo has not started.");

    /// <summary>True once another central took the store and this one stopped (the command exits non-zero).</summary>
    public bool ClaimLost { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        (var store, _claim) = await CentralStoreFactory.OpenClaimedAsync(options.Value, time, cancellationToken);
        try
        {
            _silo = await CentralSilo.StartAsync(options.Value, store, time, logger, cancellationToken);
        }
        catch
        {
            await _claim.DisposeAsync();
            _claim = null;
            throw;
        }

        await _silo.HeartbeatAsync(cancellationToken);
        _heartbeat = HeartbeatAsync(_silo, _claim, _stopping.Token);
    }

    /// <summary>
    /// Keeps central's row in the silo table fresh and its claim on the store standing; a failed
    /// write is logged and tried again next time. A claim another central took while the database
    /// was out of reach stops this one: two would each miss the other's passages.
    /// </summary>
    private async Task HeartbeatAsync(CentralSilo silo, ICentralClaim claim, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(HeartbeatEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    if (!await claim.RenewAsync(stopping))
                    {
                        ClaimLost = true;
                        logger.LogCritical("Another central took the {Store} store while this one could not reach it; stopping, as only one central may run on a store.", silo.Store.Kind);
                        lifetime.StopApplication();
                        return;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Could not renew central's claim on its store; retrying in {Seconds} s.", HeartbeatEvery.TotalSeconds);
                    continue;
                }

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
        try
        {
            if (_silo is not null)
            {
                await _silo.DisposeAsync();
            }
        }
        finally
        {
            if (_claim is not null)
            {
                await _claim.DisposeAsync(); // after the silo's last write
            }
        }

        _stopping.Dispose();
    }
}
