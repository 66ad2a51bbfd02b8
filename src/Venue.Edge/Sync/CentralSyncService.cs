using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Venue.Edge.Silo;

namespace Venue.Edge.Sync;

/// <summary>
/// Runs the uplink of a hosted edge when <c>Edge:Central:Url</c> is set; does nothing otherwise.
/// Registered after <see cref="EdgeSiloService"/>, so it starts once the silo has and stops before it.
/// </summary>
public sealed class CentralSyncService(EdgeSiloService host, IOptions<EdgeSiloOptions> options) : IHostedService
{
    private CentralSync? _sync;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Central.IsEnabled)
        {
            _sync = host.Silo.StartSync(options.Value.Central);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_sync is not null)
        {
            await _sync.DisposeAsync();
        }
    }
}
