using System.Threading.Channels;

namespace Venue.LoadHarness.Targets;

/// <summary>
/// A fixed set of connections, one per concurrent check, handed out first come first served.
/// A caller that finds none free waits in line, and that wait is part of its measured latency.
/// </summary>
internal sealed class ConnectionPool<T> : IAsyncDisposable
    where T : class, IAsyncDisposable
{
    private readonly Channel<T> _idle = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly List<T> _all = [];

    public int Count
    {
        get { lock (_all) { return _all.Count; } }
    }

    public void Add(T connection)
    {
        lock (_all)
        {
            _all.Add(connection);
        }

        _idle.Writer.TryWrite(connection);
    }

    public ValueTask<T> RentAsync(CancellationToken cancellationToken) => _idle.Reader.ReadAsync(cancellationToken);

    public void Return(T connection) => _idle.Writer.TryWrite(connection);

    /// <summary>Drops a broken connection and puts <paramref name="replacement"/> in its place.</summary>
    public async Task ReplaceAsync(T broken, T replacement)
    {
        lock (_all)
        {
            _all.Remove(broken);
            _all.Add(replacement);
        }

        await broken.DisposeAsync();
        _idle.Writer.TryWrite(replacement);
    }

    public async ValueTask DisposeAsync()
    {
        _idle.Writer.TryComplete();
        T[] all;
        lock (_all)
        {
            all = [.. _all];
            _all.Clear();
        }

        foreach (var connection in all)
        {
            await connection.DisposeAsync();
        }
    }
}
