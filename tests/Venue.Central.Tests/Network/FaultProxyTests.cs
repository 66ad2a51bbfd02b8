using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Venue.Simulation.Network;

namespace Venue.Central.Tests.Network;

/// <summary>
/// The fault-injecting proxy on real sockets: what passes through it arrives intact both ways, and a
/// partition breaks the link the way a real cut does (reset, refused) until it heals.
/// </summary>
public sealed class FaultProxyTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Bytes_pass_through_both_ways_intact_and_are_counted()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = FaultProxy.Start("127.0.0.1", echo.Port);
        using var client = await ConnectAsync(proxy);
        var sent = new byte[1_000_000];
        new Random(7).NextBytes(sent);

        var receiving = ReadExactlyAsync(client, sent.Length);
        await client.SendAsync(sent, SocketFlags.None);
        var received = await receiving.WithTimeout("the echo of 1 MB through the proxy");

        Assert.Equal(sent, received);
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await client.ReceiveAsync(new byte[1], SocketFlags.None).WithTimeout("the end of the echo passed back through the proxy"));
        await WaitUntilAsync(() => proxy.Counters.Active == 0, "the proxy to close the finished connection");
        var counters = proxy.Counters;
        Assert.Equal((1, sent.Length, sent.Length, 0), (counters.Accepted, counters.BytesToTarget, counters.BytesFromTarget, counters.Cut));
    }

    [Fact]
    public async Task A_partition_resets_an_open_connection_at_both_ends()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = FaultProxy.Start("127.0.0.1", echo.Port);
        using var client = await ConnectAsync(proxy);
        await client.SendAsync("hello"u8.ToArray(), SocketFlags.None);
        Assert.Equal("hello"u8.ToArray(), await ReadExactlyAsync(client, 5).WithTimeout("the first echo"));
        Assert.False(echo.FirstConnectionClosed.Task.IsCompleted, "the server's connection is open before the partition");

        var cut = proxy.Partition();

        Assert.Equal(1, cut);
        var failure = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            // A reset surfaces on the next receive; a FIN would return 0 instead, which is not what a cut looks like.
            var read = await client.ReceiveAsync(new byte[16], SocketFlags.None).WithTimeout("the client to see the cut");
            Assert.Fail($"expected a reset, the read returned {read} bytes");
        });
        Assert.Equal(SocketError.ConnectionReset, failure.SocketErrorCode);
        Assert.True(await echo.FirstConnectionClosed.Task.WithTimeout("the server side of the connection to be cut"), "the server saw a reset, not a clean close");
        Assert.Equal(1, proxy.Counters.Cut);
    }

    [Fact]
    public async Task While_partitioned_new_connections_fail_at_once_and_after_heal_they_work_again()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = FaultProxy.Start("127.0.0.1", echo.Port);
        proxy.Partition();

        using (var refused = await ConnectAsync(proxy))
        {
            // The proxy closes it at once: the end (or, if the hello crossed the close, a reset) comes without a
            // byte from the target. A proxy that held it open instead would trip the receive's hang guard.
            try
            {
                await refused.SendAsync("hello"u8.ToArray(), SocketFlags.None);
                Assert.Equal(0, await refused.ReceiveAsync(new byte[16], SocketFlags.None).WithTimeout("the refused connection to end"));
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
            {
            }
        }

        Assert.Equal((1, 0L), (proxy.Counters.RefusedWhilePartitioned, proxy.Counters.Accepted));
        Assert.Equal(0, echo.Connections);

        proxy.Heal();

        using var healed = await ConnectAsync(proxy);
        await healed.SendAsync("again"u8.ToArray(), SocketFlags.None);
        Assert.Equal("again"u8.ToArray(), await ReadExactlyAsync(healed, 5).WithTimeout("the echo after the heal"));
        Assert.False(proxy.IsPartitioned);
    }

    [Fact]
    public async Task An_http_client_fails_fast_during_a_partition_and_recovers_after_heal()
    {
        await using var server = await HelloServer.StartAsync();
        await using var proxy = FaultProxy.Start(server.Address);
        using var http = new HttpClient { BaseAddress = proxy.Address, Timeout = TimeSpan.FromSeconds(20) };

        Assert.Equal("hello", await http.GetStringAsync("/hello").WithTimeout("a request through the proxy"));
        Assert.Equal(1, proxy.Counters.Active);

        proxy.Partition();
        // The pooled keep-alive connection was reset, and a new one is refused: both ways the request fails
        // with a connection error. Held open instead, it would end in the hang guard's TimeoutException
        // (shorter than the client's own 20 s timeout, whose TaskCanceledException is no HttpRequestException).
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync("/hello").WithTimeout("the request during the partition to fail"));
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync("/hello").WithTimeout("a second request during the partition to fail"));

        proxy.Heal();

        Assert.Equal("hello", await http.GetStringAsync("/hello").WithTimeout("a request after the heal"));
        Assert.True(proxy.Counters.RefusedWhilePartitioned >= 1, proxy.Counters.ToString());
    }

    [Fact]
    public async Task Busy_clients_through_repeated_partitions_get_answers_or_fast_failures_and_nothing_is_left_open()
    {
        await using var server = await HelloServer.StartAsync();
        await using var proxy = FaultProxy.Start(server.Address);
        using var http = new HttpClient { BaseAddress = proxy.Address, Timeout = TimeSpan.FromSeconds(20) };
        using var stop = new CancellationTokenSource();
        int answered = 0, failed = 0;

        async Task ClientAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    Assert.Equal("hello", await http.GetStringAsync("/hello"));
                    Interlocked.Increment(ref answered);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }

        var clients = Enumerable.Range(0, 16).Select(_ => Task.Run(ClientAsync)).ToList();
        for (var round = 0; round < 5; round++)
        {
            var before = Volatile.Read(ref answered);
            await WaitUntilAsync(() => Volatile.Read(ref answered) >= before + 50, $"50 answers in round {round}");
            proxy.Partition();
            var failedBefore = Volatile.Read(ref failed);
            await WaitUntilAsync(() => Volatile.Read(ref failed) >= failedBefore + 16, $"requests failing in partition {round}");
            proxy.Heal();
        }

        await stop.CancelAsync();
        await Task.WhenAll(clients).WithTimeout("the clients to stop");
        http.Dispose();
        await WaitUntilAsync(() => proxy.Counters.Active == 0, "every link to close once the clients are gone");
        var counters = proxy.Counters;
        Assert.Equal(5, counters.Partitions);
        Assert.True(counters.Cut > 0 && counters.RefusedWhilePartitioned > 0, counters.ToString());
    }

    [Fact]
    public async Task A_delay_adds_latency_each_way()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = FaultProxy.Start("127.0.0.1", echo.Port);
        using var client = await ConnectAsync(proxy);
        proxy.Delay = TimeSpan.FromMilliseconds(150);

        var clock = Stopwatch.StartNew();
        await client.SendAsync("ping"u8.ToArray(), SocketFlags.None);
        await ReadExactlyAsync(client, 4).WithTimeout("the delayed echo");

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(290), $"a round trip with 150 ms each way took {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Disposing_the_proxy_cuts_what_is_open_and_stops_listening()
    {
        await using var echo = EchoServer.Start();
        var proxy = FaultProxy.Start("127.0.0.1", echo.Port);
        var endPoint = proxy.EndPoint;
        using var client = await ConnectAsync(proxy);
        await client.SendAsync("x"u8.ToArray(), SocketFlags.None);
        await ReadExactlyAsync(client, 1).WithTimeout("the echo");

        await proxy.DisposeAsync().AsTask().WithTimeout("the proxy to stop");

        await Assert.ThrowsAsync<SocketException>(async () => await client.ReceiveAsync(new byte[1], SocketFlags.None).WithTimeout("the open connection to be cut"));
        using var late = new Socket(SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await late.ConnectAsync(endPoint).WithTimeout("a connection to the stopped proxy"));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    private static async Task<Socket> ConnectAsync(FaultProxy proxy)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(proxy.EndPoint).WithTimeout("a connection to the proxy");
        return socket;
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int length)
    {
        var buffer = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
            if (n == 0)
            {
                throw new IOException($"the connection ended after {read} of {length} bytes");
            }

            read += n;
        }

        return buffer;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string awaited)
    {
        var clock = Stopwatch.StartNew();
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        while (!condition())
        {
            if (clock.Elapsed > Quick)
            {
                throw new TimeoutException($"Waited {Quick.TotalSeconds:0} s for {awaited}.");
            }

            await pace.WaitForNextTickAsync();
        }
    }

    /// <summary>A TCP server that sends back whatever it receives and closes when the client does.</summary>
    private sealed class EchoServer : IAsyncDisposable
    {
        private readonly Socket _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private int _connections;

        private EchoServer(Socket listener)
        {
            _listener = listener;
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

        public int Connections => Volatile.Read(ref _connections);

        /// <summary>Completes when the first connection ends: true if by a reset, false if by a clean close.</summary>
        public TaskCompletionSource<bool> FirstConnectionClosed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static EchoServer Start()
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(16);
            return new EchoServer(listener);
        }

        private async Task AcceptAsync()
        {
            var serving = new List<Task>();
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                    serving.Add(ServeAsync(socket));
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                await Task.WhenAll(serving);
            }
        }

        private async Task ServeAsync(Socket socket)
        {
            using (socket)
            {
                var buffer = new byte[64 * 1024];
                try
                {
                    int read;
                    while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                    {
                        await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
                    }

                    socket.Shutdown(SocketShutdown.Send);
                    FirstConnectionClosed.TrySetResult(false);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
                {
                    FirstConnectionClosed.TrySetResult(true);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    FirstConnectionClosed.TrySetResult(false);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Dispose();
            await _accepting;
            _stop.Dispose();
        }
    }

    /// <summary>Kestrel on loopback answering GET /hello, as central answers an edge.</summary>
    private sealed class HelloServer(WebApplication app, Uri address) : IAsyncDisposable
    {
        public Uri Address { get; } = address;

        public static async Task<HelloServer> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.MapGet("/hello", () => "hello");
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new HelloServer(app, new Uri(address));
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
