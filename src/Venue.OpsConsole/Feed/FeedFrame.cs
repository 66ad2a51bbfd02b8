using System.Globalization;
using System.Text;

namespace Venue.OpsConsole.Feed;

/// <summary>
/// One event as it goes on the wire, encoded once when published and shared by every client (and
/// the replay buffer), so a hundred consoles cost a hundred writes, not a hundred serializations.
/// </summary>
public sealed class FeedFrame
{
    private FeedFrame(long sequence, string type, byte[] bytes)
    {
        Sequence = sequence;
        Type = type;
        Bytes = bytes;
    }

    /// <summary>0 for frames outside the sequence (resync).</summary>
    public long Sequence { get; }

    public string Type { get; }

    /// <summary>The whole SSE event, blank line included.</summary>
    public byte[] Bytes { get; }

    /// <summary>
    /// <c>id: {epoch}-{seq}</c>, <c>event: {type}</c>, and one <c>data:</c> line holding
    /// <c>{"seq":..,"ts":..,"data":payload}</c>; <c>ts</c> is the publish time in Unix milliseconds
    /// (fractional), which is what a browser on the same clock measures its latency against.
    /// </summary>
    internal static FeedFrame Create(string epoch, long sequence, string type, byte[] payload, DateTimeOffset publishedAt)
    {
        var ts = (publishedAt - DateTimeOffset.UnixEpoch).TotalMilliseconds;
        var head = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"id: {epoch}-{sequence}\nevent: {type}\ndata: {{\"seq\":{sequence},\"ts\":{ts:0.###},\"data\":"));
        var bytes = new byte[head.Length + payload.Length + 3];
        head.CopyTo(bytes, 0);
        payload.CopyTo(bytes, head.Length);
        "}\n\n"u8.CopyTo(bytes.AsSpan(head.Length + payload.Length));
        return new FeedFrame(sequence, type, bytes);
    }

    /// <summary>A <c>resync</c> event: no id, so the browser's last event id stays that of the last real event.</summary>
    internal static FeedFrame Resync(ResyncReason reason, long latest) =>
        new(0, "resync", Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"event: resync\ndata: {{\"reason\":\"{ReasonCode(reason)}\",\"seq\":{latest}}}\n\n")));

    public static string ReasonCode(ResyncReason reason) => reason switch
    {
        ResyncReason.Behind => "behind",
        ResyncReason.Slow => "slow",
        ResyncReason.Restarted => "restarted",
        _ => "unknown",
    };
}
