using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;
using Venue.Console.Tests.Infrastructure;
using Venue.OpsConsole.Feed;

namespace Venue.Console.Tests.Feed;

/// <summary>The <c>Console:Feed</c> durations: each has bounds, and a value outside them stops the silo at start-up.</summary>
public sealed class LiveFeedOptionsTests
{
    private static bool Valid(LiveFeedOptions options) =>
        Validator.TryValidateObject(options, new ValidationContext(options), null, validateAllProperties: true);

    [Theory]
    [InlineData("00:00:00", false)] // pings in a tight loop
    [InlineData("-00:00:01", false)] // the stream's wait fails at once
    [InlineData("00:00:00.999", false)]
    [InlineData("00:00:01", true)]
    [InlineData("00:05:00", true)]
    [InlineData("00:05:01", false)]
    public void The_heartbeat_is_between_one_second_and_five_minutes(string heartbeat, bool valid) =>
        Assert.Equal(valid, Valid(new LiveFeedOptions { Heartbeat = TimeSpan.Parse(heartbeat, CultureInfo.InvariantCulture) }));

    [Theory]
    [InlineData("00:00:00", false)] // a browser reconnecting in a tight loop after each resync
    [InlineData("-00:00:01", false)]
    [InlineData("00:00:00.100", true)]
    [InlineData("00:01:00", true)]
    [InlineData("00:01:00.001", false)]
    public void The_reconnect_delay_is_between_a_tenth_of_a_second_and_a_minute(string retry, bool valid) =>
        Assert.Equal(valid, Valid(new LiveFeedOptions { Retry = TimeSpan.Parse(retry, CultureInfo.InvariantCulture) }));

    [Fact]
    public async Task A_heartbeat_written_as_a_bare_number_stops_the_silo_at_start_up_and_says_how_to_write_seconds()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            ConsoleEdge.StartAsync(new Dictionary<string, string?> { ["Console:Feed:Heartbeat"] = "15" }, attendees: 20));

        Assert.Contains("Console:Feed:Heartbeat: 15.00:00:00 is not between 00:00:01 and 00:05:00.", failure.Message, StringComparison.Ordinal);
        Assert.Contains("for 15 seconds write 00:00:15", failure.Message, StringComparison.Ordinal);
    }
}
