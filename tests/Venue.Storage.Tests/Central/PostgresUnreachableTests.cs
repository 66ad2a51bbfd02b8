using System.Net;
using System.Net.Sockets;
using Venue.Storage.Postgres;

namespace Venue.Storage.Tests.Central;

/// <summary>
/// Central starting against a PostgreSQL that takes the connection and never answers (a hung
/// server, a firewall that accepts and drops): no server is needed for these, only a silent socket.
/// </summary>
public sealed class PostgresUnreachableTests : IDisposable
{
    private readonly TcpListener _silent = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];

    public PostgresUnreachableTests()
    {
        _silent.Start();
        _ = AcceptAsync();
    }

    private int Port => ((IPEndPoint)_silent.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _silent.AcceptSocketAsync();
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // the listener was stopped
        }
    }

    [Fact]
    public async Task A_server_that_never_answers_is_named_with_the_time_waited()
    {
        await using var store = PostgresCentralStore.Create($"Host=127.0.0.1;Port={Port};Username=venue;Database=venue;Timeout=1", TimeProvider.System);

        var e = await Assert.ThrowsAsync<TimeoutException>(() => store.MigrateAsync());

        Assert.Equal($"PostgreSQL at 127.0.0.1:{Port} did not answer within 1 s (the connection string's Timeout); is it running and reachable?", e.Message);
    }

    [Fact]
    public async Task Stopping_while_the_connection_attempt_hangs_cancels_at_once_rather_than_after_the_connect_timeout()
    {
        await using var store = PostgresCentralStore.Create($"Host=127.0.0.1;Port={Port};Username=venue;Database=venue;Timeout=60", TimeProvider.System);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        // Npgsql alone answers only when its 60 s connect timeout runs out: the stop must not wait for it.
        var migrating = store.MigrateAsync(stop.Token);
        var finished = await Task.WhenAny(migrating, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.Same(migrating, finished);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => migrating);
    }

    public void Dispose()
    {
        _silent.Stop();
        lock (_accepted)
        {
            _accepted.ForEach(s => s.Dispose());
        }
    }
}
