using System.Collections.Concurrent;
using System.Diagnostics;

namespace Venue.LoadHarness.ConsoleLoad;

/// <summary>
/// When each scan of a phase was sent, by (attendee, gate): a scan event on the console stream names
/// both, so a client can tell how long after the send it saw the scan. A pair sent twice in one phase
/// (a repeat at the same gate) is marked ambiguous and left out, rather than timed from the wrong send.
/// </summary>
internal sealed class SendLog
{
    private const long Ambiguous = -1;
    private readonly ConcurrentDictionary<long, long> _sent = new();

    public void Sent(int attendee, int gate)
    {
        var key = Key(attendee, gate);
        var now = Stopwatch.GetTimestamp();
        if (!_sent.TryAdd(key, now))
        {
            _sent[key] = Ambiguous;
        }
    }

    public bool TryGet(int attendee, int gate, out long sentAt) =>
        _sent.TryGetValue(Key(attendee, gate), out sentAt) && sentAt != Ambiguous;

    public void Clear() => _sent.Clear();

    private static long Key(int attendee, int gate) => ((long)attendee << 10) | (uint)gate;
}
