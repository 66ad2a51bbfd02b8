using Venue.OpsConsole.Feed;

namespace Venue.Console.Tests.Feed;

public sealed class FeedPositionTests
{
    [Theory]
    [InlineData("1a2b3c4d-0", "1a2b3c4d", 0)]
    [InlineData("1a2b3c4d-42", "1a2b3c4d", 42)]
    public void An_event_id_reads_back_as_epoch_and_sequence(string text, string epoch, long sequence)
    {
        Assert.True(FeedPosition.TryParse(text, out var position));
        Assert.Equal(new FeedPosition(epoch, sequence), position);
        Assert.Equal(text, position.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("42")]
    [InlineData("-42")]
    [InlineData("abc-")]
    [InlineData("abc-1.5")]
    [InlineData("zzzz--5")]
    [InlineData(" -5")]
    [InlineData("1a2b3c4-5")]
    [InlineData("1a2b3c4d0-5")]
    [InlineData("1A2B3C4D-5")]
    [InlineData("1a2b3c4g-5")]
    public void Anything_else_is_not_an_event_id(string text) => Assert.False(FeedPosition.TryParse(text, out _));
}
