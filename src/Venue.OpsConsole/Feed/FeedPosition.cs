using System.Buffers;
using System.Globalization;

namespace Venue.OpsConsole.Feed;

/// <summary>
/// Where a client stands in a feed: the feed's epoch (one per silo process) and the last sequence
/// it saw, written <c>{epoch}-{sequence}</c> as the SSE event id. The epoch makes an id from before
/// a restart unmistakable, since sequences start again at 1.
/// </summary>
public readonly record struct FeedPosition(string Epoch, long Sequence)
{
    /// <summary>Characters of an epoch: 4 random bytes in lower-case hex.</summary>
    public const int EpochLength = 8;

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Epoch}-{Sequence}");

    public static bool TryParse(string? text, out FeedPosition position)
    {
        position = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        // The epoch is 8 lower-case hex digits (LiveFeed.Epoch): anything else is not an id this feed
        // wrote, and is answered as unknown, not as an id from before a restart.
        var dash = text.LastIndexOf('-');
        if (dash != EpochLength || text.AsSpan(0, dash).ContainsAnyExcept(LowerHex) || !long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return false;
        }

        position = new FeedPosition(text[..dash], sequence);
        return true;
    }
}
