using System.Security.Claims;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Venue.OpsConsole.Security;

namespace Venue.OpsConsole.Feed;

/// <summary>
/// Holds each sign-in to <see cref="LiveFeedOptions.StreamsPerSession"/> open streams: each costs the
/// silo a connection, a subscription and writes, and nothing else bounded how many one cookie (or a
/// client stuck reconnecting) could open. Past the limit the oldest stream of that sign-in is ended.
/// </summary>
public sealed class StreamLimit(IOptions<LiveFeedOptions> options, ILogger<StreamLimit> logger)
{
    private readonly Dictionary<string, LinkedList<CancellationTokenSource>> _open = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Who a stream belongs to: its session, or the ops token it was opened with.</summary>
    public static string? HolderOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(ConsoleSessions.SessionClaim) is { } session ? $"session:{session}"
            : user.FindFirstValue(ClaimTypes.NameIdentifier) is { } credential ? $"token:{credential}"
            : null;
    }

    /// <summary>Streams open for <paramref name="holder"/>.</summary>
    public int OpenFor(string holder)
    {
        lock (_gate)
        {
            return _open.TryGetValue(holder, out var streams) ? streams.Count : 0;
        }
    }

    /// <summary>Counts a stream that ends when <paramref name="ended"/> is cancelled; dispose the answer when it has ended.</summary>
    public IDisposable Open(string holder, CancellationTokenSource ended)
    {
        ArgumentNullException.ThrowIfNull(ended);
        lock (_gate)
        {
            if (!_open.TryGetValue(holder, out var streams))
            {
                _open[holder] = streams = new LinkedList<CancellationTokenSource>();
            }

            while (streams.Count >= options.Value.StreamsPerSession)
            {
                var oldest = streams.First!;
                streams.RemoveFirst();
                // Under the lock, so its stream cannot dispose it meanwhile; CancelAsync, so none of
                // that stream's continuations runs here.
                _ = oldest.Value.CancelAsync();
                logger.LogInformation("A console sign-in opened more than {Limit} live streams; its oldest was ended.", options.Value.StreamsPerSession);
            }

            return new Slot(this, holder, streams.AddLast(ended));
        }
    }

    private void Close(string holder, LinkedListNode<CancellationTokenSource> node)
    {
        lock (_gate)
        {
            if (node.List is { } streams)
            {
                streams.Remove(node);
                if (streams.Count == 0)
                {
                    _open.Remove(holder);
                }
            }
        }
    }

    private sealed class Slot(StreamLimit limit, string holder, LinkedListNode<CancellationTokenSource> node) : IDisposable
    {
        public void Dispose() => limit.Close(holder, node);
    }
}
