using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Threading.Channels;
using Venue.OpsConsole.Feed;

namespace Venue.Console.Tests.Infrastructure;

/// <summary>What one flush of a stream sent: its events in order, its heartbeats (<c>ping</c> events, not counted among the events), and its text.</summary>
public sealed record RecordedFlush(IReadOnlyList<SseMessage> Events, int Pings, string Text)
{
    /// <summary>The events' sequence numbers, read from their ids.</summary>
    public IEnumerable<long> Sequences => Events.Where(e => e.Id is not null).Select(e => FeedPosition.TryParse(e.Id, out var p) ? p.Sequence : -1);

    /// <summary>Splits SSE text into events; comment-only blocks (the opening one) carry no event, and pings are counted apart.</summary>
    public static RecordedFlush Parse(string text)
    {
        var events = new List<SseMessage>();
        var pings = 0;
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? type = null, id = null, data = null;
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line["event: ".Length..];
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line["id: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line["data: ".Length..];
                }
            }

            if (type == "ping")
            {
                pings++;
            }
            else if (data is not null)
            {
                events.Add(new SseMessage(type ?? "message", id, data));
            }
        }

        return new RecordedFlush(events, pings, text);
    }
}

/// <summary>
/// A response body for the feed's stream writer without HTTP: each flush is recorded as what the
/// client would receive in one go, and flushes can be stalled as by a client whose socket is full. A
/// flush whose token is already cancelled sends nothing, as on a cut connection.
/// </summary>
public sealed class RecordingBody : PipeWriter
{
    private readonly ArrayBufferWriter<byte> _pending = new();
    private readonly Channel<RecordedFlush> _arrived = Channel.CreateUnbounded<RecordedFlush>();
    private readonly List<RecordedFlush> _flushes = [];
    private TaskCompletionSource? _stall;

    /// <summary>Called with each flush as it is recorded, on the writer's thread.</summary>
    public Action<RecordedFlush>? Flushed { get; init; }

    public IReadOnlyList<RecordedFlush> Flushes
    {
        get { lock (_flushes) { return [.. _flushes]; } }
    }

    /// <summary>Every event received so far, in order.</summary>
    public IReadOnlyList<SseMessage> Events => [.. Flushes.SelectMany(f => f.Events)];

    /// <summary>From now on flushes are recorded but do not return until <see cref="Release"/>.</summary>
    public void Stall() => _stall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => Interlocked.Exchange(ref _stall, null)?.TrySetResult();

    /// <summary>The next flush not yet taken, within <see cref="Signal.Limit"/>.</summary>
    public Task<RecordedFlush> NextFlushAsync(string awaited) => _arrived.Reader.ReadAsync().AsTask().WithTimeout(awaited);

    public override void Advance(int bytes) => _pending.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => _pending.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _pending.GetSpan(sizeHint);

    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null)
    {
    }

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var flush = RecordedFlush.Parse(Encoding.UTF8.GetString(_pending.WrittenSpan));
        _pending.ResetWrittenCount();
        lock (_flushes)
        {
            _flushes.Add(flush);
        }

        Flushed?.Invoke(flush);
        _arrived.Writer.TryWrite(flush);
        if (_stall is { } stall)
        {
            await stall.Task.WaitAsync(cancellationToken);
        }

        return new FlushResult(isCanceled: false, isCompleted: false);
    }
}
