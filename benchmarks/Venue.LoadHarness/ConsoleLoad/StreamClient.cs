using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Venue.LoadHarness.Load;

namespace Venue.LoadHarness.ConsoleLoad;

/// <summary>
/// One ops console on <c>GET /console/api/stream</c> with an ops bearer token, doing what the page
/// does with the stream (docs/live-streams.md) but no drawing: counts events, checks that sequence
/// numbers have no holes, and on <c>resync</c> reloads the snapshot and resumes after it. Frames are
/// picked apart with span searches, not a JSON parser: the 2 cores it shares with the edge must not
/// be spent reading 2 million events a second.
/// </summary>
internal sealed class StreamClient(HttpClient http, string opsToken, StreamLevel level, bool probe)
{
    private const int BufferSize = 64 * 1024;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _resyncReasons = [];
    private long _lastSeq;
    private long _events;
    private long _scanEvents;
    private long _holes;
    private long _bytes;
    private long _maxJournal;
    private long _sampleCounter;

    /// <summary>Completes when the stream's first bytes arrive (the server has subscribed it).</summary>
    public Task Connected => _connected.Task;

    /// <summary>Scan events in the phase's window.</summary>
    public long ScanEvents => Interlocked.Read(ref _scanEvents);

    /// <summary>Every event received while recording.</summary>
    public long Events => Interlocked.Read(ref _events);

    public long Holes => Interlocked.Read(ref _holes);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The highest journal sequence any scan event carried.</summary>
    public long MaxJournal => Interlocked.Read(ref _maxJournal);

    public IReadOnlyList<string> ResyncReasons
    {
        get
        {
            lock (_resyncReasons)
            {
                return [.. _resyncReasons];
            }
        }
    }

    public string? Failure { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? after = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var resync = await ReadStreamAsync(after, cancellationToken);
                if (resync is null)
                {
                    // The server ended the stream without a resync (shutdown): resume where we were, as a browser does.
                    continue;
                }

                lock (_resyncReasons)
                {
                    _resyncReasons.Add(resync);
                }

                after = await SnapshotPositionAsync(cancellationToken);
                _lastSeq = 0;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Failure = $"{e.GetType().Name}: {e.Message}";
            _connected.TrySetException(e);
        }
    }

    /// <summary>Reads one response to its end; returns the resync reason if that is how it ended.</summary>
    private async Task<string?> ReadStreamAsync(string? after, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, after is null ? "console/api/stream" : $"console/api/stream?after={after}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", opsToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"the stream answered {(int)response.StatusCode}");
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[BufferSize];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                return null;
            }

            _connected.TrySetResult();
            Interlocked.Add(ref _bytes, read);
            filled += read;
            // Everything in one read arrived together: one clock reading for all of it.
            var arrivedTicks = Stopwatch.GetTimestamp();
            var arrivedUnixMs = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).TotalMilliseconds;
            var consumed = 0;
            while (true)
            {
                var end = buffer.AsSpan(consumed, filled - consumed).IndexOf("\n\n"u8);
                if (end < 0)
                {
                    break;
                }

                var resync = OnFrame(buffer.AsSpan(consumed, end), arrivedTicks, arrivedUnixMs);
                consumed += end + 2;
                if (resync is not null)
                {
                    return resync;
                }
            }

            buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
            filled -= consumed;
        }
    }

    private string? OnFrame(ReadOnlySpan<byte> frame, long arrivedTicks, double arrivedUnixMs)
    {
        var type = Line(frame, "event: "u8);
        if (type.IsEmpty)
        {
            return null; // a comment (the epoch) or the retry field
        }

        if (type.SequenceEqual("ping"u8))
        {
            return null; // the heartbeat: no seq, no id
        }

        if (type.SequenceEqual("resync"u8))
        {
            var reason = Text(frame, "\"reason\":\""u8);
            return reason.IsEmpty ? "unknown" : System.Text.Encoding.UTF8.GetString(reason);
        }

        var seq = Number(frame, "\"seq\":"u8);
        if (_lastSeq > 0 && seq != _lastSeq + 1)
        {
            Interlocked.Increment(ref _holes);
        }

        _lastSeq = seq;
        if (!level.Recording)
        {
            return null;
        }

        Interlocked.Increment(ref _events);
        var sampled = ++_sampleCounter % level.SampleEvery == 0;
        if (sampled && Utf8Parser.TryParse(After(frame, "\"ts\":"u8), out double ts, out _))
        {
            level.PublishToClient.Record(ToTicks(Math.Max(0, arrivedUnixMs - ts)));
        }

        if (!type.SequenceEqual("scan"u8))
        {
            return null;
        }

        var journal = Number(frame, "\"journal\":"u8);
        if (journal > Interlocked.Read(ref _maxJournal))
        {
            Interlocked.Exchange(ref _maxJournal, journal);
        }

        if (journal <= level.AfterJournal)
        {
            return null;
        }

        Interlocked.Increment(ref _scanEvents);
        // Ledger ids are T0001234 and gate ids G012 (the harness' event): the digits are the indexes.
        if (probe && TryDigits(Text(frame, "\"attendee\":\"T"u8), out var attendee) && TryDigits(Text(frame, "\"gate\":\"G"u8), out var gate)
            && level.Sends.TryGet(attendee, gate, out var sentAt))
        {
            level.SendToClient.Record(arrivedTicks - sentAt);
        }

        return null;
    }

    /// <summary>The position of a freshly loaded snapshot (<c>{epoch}-{seq}</c>), as the page does after a resync.</summary>
    private async Task<string> SnapshotPositionAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "console/api/snapshot");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", opsToken);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        return $"{json.RootElement.GetProperty("epoch").GetString()}-{json.RootElement.GetProperty("seq").GetInt64()}";
    }

    private static long ToTicks(double milliseconds) => (long)(milliseconds * Stopwatch.Frequency / 1000);

    /// <summary>The rest of the line that starts with <paramref name="prefix"/> (at the frame's start or after a newline).</summary>
    private static ReadOnlySpan<byte> Line(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> prefix)
    {
        var at = frame.StartsWith(prefix) ? 0 : frame.IndexOf(prefix);
        if (at < 0 || (at > 0 && frame[at - 1] != (byte)'\n'))
        {
            return default;
        }

        var rest = frame[(at + prefix.Length)..];
        var end = rest.IndexOf((byte)'\n');
        return end < 0 ? rest : rest[..end];
    }

    private static ReadOnlySpan<byte> After(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> key)
    {
        var at = frame.IndexOf(key);
        return at < 0 ? default : frame[(at + key.Length)..];
    }

    /// <summary>A JSON string's content after <paramref name="key"/> (which ends with the opening quote, and maybe more).</summary>
    private static ReadOnlySpan<byte> Text(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> key)
    {
        var rest = After(frame, key);
        var end = rest.IndexOf((byte)'"');
        return end < 0 ? default : rest[..end];
    }

    private static long Number(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> key) =>
        Utf8Parser.TryParse(After(frame, key), out long value, out _) ? value : -1;

    private static bool TryDigits(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        return !digits.IsEmpty && Utf8Parser.TryParse(digits, out value, out var used) && used == digits.Length;
    }
}
