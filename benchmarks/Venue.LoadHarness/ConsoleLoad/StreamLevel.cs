using Venue.LoadHarness.Load;

namespace Venue.LoadHarness.ConsoleLoad;

/// <summary>
/// What the clients of one level share: the delay recorders, the send log, and the phase's window
/// (scan events after journal entry <see cref="AfterJournal"/>, while <see cref="Recording"/>).
/// </summary>
/// <param name="sampleEvery">
/// Each client records the delay of every n-th event: 400 clients at 5,000 events/s would otherwise
/// keep 20 million samples per phase. Every event is still counted and checked for holes.
/// </param>
internal sealed class StreamLevel(SendLog sends, int sampleEvery, int capacity)
{
    private volatile bool _recording;
    private long _afterJournal = long.MaxValue;

    public SendLog Sends => sends;

    public int SampleEvery => sampleEvery;

    /// <summary>From the event's <c>ts</c> (the silo's publish time) to its arrival at the client: the fan-out alone.</summary>
    public LatencyRecorder PublishToClient { get; } = new(capacity);

    /// <summary>From the harness sending the scan to its event arriving at a probe client: the whole path.</summary>
    public LatencyRecorder SendToClient { get; } = new(capacity);

    public bool Recording => _recording;

    public long AfterJournal => Interlocked.Read(ref _afterJournal);

    public void Open(long afterJournal)
    {
        Interlocked.Exchange(ref _afterJournal, afterJournal);
        _recording = true;
    }

    public void Close() => _recording = false;
}
