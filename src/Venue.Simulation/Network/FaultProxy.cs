using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Venue.Simulation.Network;

/// <summary>
/// A TCP proxy on loopback that forwards every connection to one target and breaks the link on
/// demand: <see cref="Partition"/> resets every open connection at once and refuses new ones
/// (accepted, then closed, so a client fails at once instead of waiting for a timeout) until
/// <see cref="Heal"/>. <see cref="Delay"/> adds one-way latency to every chunk in both directions.
/// It works on real sockets, so whatever speaks through it (HttpClient pools, Kestrel, a child
/// process) sees the failures a real network cut produces: connection reset, connection refused.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private const int ChunkBytes = 64 * 1024;

    // Chunks in flight per direction: enough to keep a delayed link busy, few enough that a slow reader pushes back.
    private const int ChunksInFlight = 64;

    private readonly Socket _listener;
    private readonly EndPoint _target;
    private readonly object _gate = new();
    private readonly HashSet<Link> _links = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private bool _partitioned;
    private long _delayTicks;
    private long _accepted;
    private long _refused;
    private long _cut;
    private long _unreachable;
    private long _bytesToTarget;
    private long _bytesFromTarget;
    private long _partitions;

    private FaultProxy(Socket listener, EndPoint target, string scheme)
    {
        _listener = listener;
        _target = target;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
        Address = new Uri($"{scheme}://127.0.0.1:{EndPoint.Port}/");
        _accepting = AcceptLoopAsync();
    }

    /// <summary>Where clients connect: 127.0.0.1 and the port the kernel gave the proxy.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The proxy as a base address, with the target's scheme (for HttpClient and config files).</summary>
    public Uri Address { get; }

    /// <summary>Extra one-way latency for every chunk forwarded, in both directions (zero: none). May change at any time.</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _delayTicks, value.Ticks);
        }
    }

    public bool IsPartitioned
    {
        get
        {
            lock (_gate)
            {
                return _partitioned;
            }
        }
    }

    public FaultProxyCounters Counters
    {
        get
        {
            int active;
            lock (_gate)
            {
                active = _links.Count;
            }

            return new FaultProxyCounters(Interlocked.Read(ref _accepted), active, Interlocked.Read(ref _refused), Interlocked.Read(ref _cut),
                Interlocked.Read(ref _unreachable), Interlocked.Read(ref _bytesToTarget), Interlocked.Read(ref _bytesFromTarget), Interlocked.Read(ref _partitions));
        }
    }

    /// <summary>Starts a proxy to <paramref name="target"/>'s host and port; <see cref="Address"/> keeps its scheme.</summary>
    public static FaultProxy Start(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!target.IsAbsoluteUri)
        {
            throw new ArgumentException("The target must be an absolute address.", nameof(target));
        }

        EndPoint endPoint = IPAddress.TryParse(target.IdnHost, out var ip) ? new IPEndPoint(ip, target.Port) : new DnsEndPoint(target.IdnHost, target.Port);
        return Start(endPoint, target.Scheme);
    }

    public static FaultProxy Start(string host, int port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        EndPoint endPoint = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);
        return Start(endPoint, Uri.UriSchemeHttp);
    }

    public static FaultProxy Start(EndPoint target, string scheme = "http")
    {
        ArgumentNullException.ThrowIfNull(target);
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(512);
            return new FaultProxy(listener, target, scheme);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Cuts the link: every open connection is reset now (both ends see a reset), and every new one is
    /// accepted and closed at once until <see cref="Heal"/>. Returns how many open connections were cut.
    /// </summary>
    public int Partition()
    {
        Link[] open;
        lock (_gate)
        {
            if (!_partitioned)
            {
                _partitions++;
            }

            // Set under the lock the accept loop registers links under: a connection is either
            // registered before this (and cut below) or sees the flag (and is refused).
            _partitioned = true;
            open = [.. _links];
        }

        foreach (var link in open)
        {
            if (link.Abort())
            {
                Interlocked.Increment(ref _cut);
            }
        }

        return open.Length;
    }

    /// <summary>Restores the link: new connections are forwarded again.</summary>
    public void Heal()
    {
        lock (_gate)
        {
            _partitioned = false;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // A client that gave up while queued, or a transient resource shortage: keep accepting.
                continue;
            }

            client.NoDelay = true;
            Link? link = null;
            lock (_gate)
            {
                if (!_partitioned && !_stopping.IsCancellationRequested)
                {
                    link = new Link(this, client);
                    _links.Add(link);
                }
            }

            if (link is null)
            {
                // Closed, not reset: a reset can land between the client's connect and its first look at
                // the socket, which HttpClient reports as a bare SocketException rather than a failed
                // request. A close makes its request fail at once as a connection that ended early.
                Interlocked.Increment(ref _refused);
                client.Dispose();
                continue;
            }

            Interlocked.Increment(ref _accepted);
            _ = link.RunAsync();
        }
    }

    private void Forget(Link link)
    {
        lock (_gate)
        {
            _links.Remove(link);
        }
    }

    /// <summary>Closes with SO_LINGER 0, which sends a reset instead of a graceful FIN.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed or never connected: disposing is all there is left to do.
        }

        socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        Link[] open;
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _stopping.Cancel();
            open = [.. _links];
        }

        _listener.Dispose();
        await _accepting;
        foreach (var link in open)
        {
            link.Abort();
        }

        await Task.WhenAll(open.Select(l => l.Completion));
        _stopping.Dispose();
    }

    /// <summary>One client connection and its twin to the target, with a pump each way.</summary>
    private sealed class Link(FaultProxy proxy, Socket client)
    {
        private readonly Socket _target = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        private readonly CancellationTokenSource _aborted = new();
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _closed;

        public Task Completion => _completion.Task;

        public async Task RunAsync()
        {
            try
            {
                try
                {
                    await _target.ConnectAsync(proxy._target, _aborted.Token);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    if (!_aborted.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref proxy._unreachable);
                    }

                    Abort();
                    return;
                }

                var up = PumpAsync(client, _target, bytes => Interlocked.Add(ref proxy._bytesToTarget, bytes));
                var down = PumpAsync(_target, client, bytes => Interlocked.Add(ref proxy._bytesFromTarget, bytes));
                var clean = await up & await down;
                if (clean)
                {
                    Close();
                }
                else
                {
                    Abort();
                }
            }
            catch (Exception)
            {
                // Nothing may escape a fire-and-forget task; whatever went wrong, the connection is over.
                Abort();
            }
            finally
            {
                proxy.Forget(this);
                _aborted.Dispose();
                _completion.TrySetResult();
            }
        }

        /// <summary>Resets both ends at once; false when the link was already closed.</summary>
        public bool Abort()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return false;
            }

            try
            {
                _aborted.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Cancelled after the run ended: the sockets below are what matters.
            }

            Reset(client);
            Reset(_target);
            return true;
        }

        private void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }

            client.Dispose();
            _target.Dispose();
        }

        /// <summary>
        /// Copies one direction until the source ends (then passes the end on as a FIN) or fails.
        /// A reader fills a bounded channel, a writer drains it no earlier than each chunk's due
        /// time, so a delay adds latency without capping throughput. True for a clean end.
        /// </summary>
        private async Task<bool> PumpAsync(Socket from, Socket to, Action<int> count)
        {
            var chunks = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(ChunksInFlight) { SingleReader = true, SingleWriter = true });
            var token = _aborted.Token;

            async Task<bool> ReadAsync()
            {
                try
                {
                    while (true)
                    {
                        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
                        int read;
                        try
                        {
                            read = await from.ReceiveAsync(buffer.AsMemory(0, ChunkBytes), SocketFlags.None, token);
                        }
                        catch
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                            throw;
                        }

                        if (read == 0)
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                            chunks.Writer.TryComplete();
                            return true;
                        }

                        var due = Stopwatch.GetTimestamp() + (long)(proxy.Delay.TotalSeconds * Stopwatch.Frequency);
                        await chunks.Writer.WriteAsync(new Chunk(buffer, read, due), token);
                    }
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or ChannelClosedException)
                {
                    chunks.Writer.TryComplete(e);
                    return false;
                }
            }

            async Task<bool> WriteAsync()
            {
                try
                {
                    await foreach (var chunk in chunks.Reader.ReadAllAsync(token))
                    {
                        try
                        {
                            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), chunk.Due);
                            if (wait > TimeSpan.Zero)
                            {
                                await Task.Delay(wait, token);
                            }

                            var sent = 0;
                            while (sent < chunk.Length)
                            {
                                sent += await to.SendAsync(chunk.Buffer.AsMemory(sent, chunk.Length - sent), SocketFlags.None, token);
                            }

                            count(chunk.Length);
                        }
                        finally
                        {
                            ArrayPool<byte>.Shared.Return(chunk.Buffer);
                        }
                    }

                    // The source closed its sending side: pass the FIN on, keep the other direction open.
                    to.Shutdown(SocketShutdown.Send);
                    return true;
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or ChannelClosedException)
                {
                    return false;
                }
            }

            var reading = ReadAsync();
            var writing = WriteAsync();
            var ok = await writing;
            if (!ok)
            {
                // The destination is gone: stop reading and reset the whole link.
                Abort();
            }

            ok &= await reading;
            while (chunks.Reader.TryRead(out var left))
            {
                ArrayPool<byte>.Shared.Return(left.Buffer);
            }

            if (!ok)
            {
                Abort();
            }

            return ok;
        }

        private readonly record struct Chunk(byte[] Buffer, int Length, long Due);
    }
}

/// <summary>
/// What a <see cref="FaultProxy"/> has done: connections forwarded and still open, refused while
/// partitioned, cut by a partition, failed because the target did not answer, bytes each way, and
/// how many times the link was partitioned.
/// </summary>
public sealed record FaultProxyCounters(
    long Accepted,
    int Active,
    long RefusedWhilePartitioned,
    long Cut,
    long TargetUnreachable,
    long BytesToTarget,
    long BytesFromTarget,
    long Partitions);
