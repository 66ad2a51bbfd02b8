using Venue.Central.Silo;

namespace Venue.Central.Tests.Options;

public sealed class CentralOptionsTests
{
    [Theory]
    [InlineData(30, "write 00:00:30")] // VENUE_Central__LateAfter=30: 30 days
    [InlineData(0, "is not between")]
    public void LateAfter_out_of_its_range_is_named_and_a_bare_number_gets_the_hint(int days, string says)
    {
        var problems = new CentralOptions { LateAfter = TimeSpan.FromDays(days) }.Problems();

        var problem = Assert.Single(problems, p => p.StartsWith("Central:LateAfter", StringComparison.Ordinal));
        Assert.Contains(says, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_LateAfter_is_within_its_range()
    {
        Assert.DoesNotContain(new CentralOptions().Problems(), p => p.StartsWith("Central:LateAfter", StringComparison.Ordinal));
    }
}
