using System.Globalization;

namespace Venue.OpsConsole.Feed;

/// <summary>
/// Where a client stands in a feed: the feed's epoch (one per silo process) and the last sequence
/// it saw, written <c>{epoch}-{sequence}</c> as the SSE event id. The epoch makes an id from before
/// a restart unmistakable, since sequences start again at 1.
/// </summary>
public readonly record struct FeedPosition(string Epoch, long Sequence)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Epoch}-{Sequence}");

    public static bool TryParse(string? text, out FeedPosition position)
    {
        position = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var dash = text.LastIndexOf('-');
        if (dash <= 0 || !long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return false;
        }

        position = new FeedPosition(text[..dash], sequence);
        return true;
    }
}
