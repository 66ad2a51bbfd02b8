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

    [Fact]
    public void A_previous_key_with_the_signing_keys_id_is_named_as_a_problem()
    {
        // A same-day rotation into another directory: 'keys create' defaults both ids to k{yyyyMMdd}.
        var options = new CentralOptions
        {
            SigningKeyPath = "/keys/new/k20261206.private.pem",
            PreviousPublicKeyPaths = ["/keys/old/k20261206.public.pem", "/keys/older/k20261101.public.pem"],
        };

        var problem = Assert.Single(options.Problems(), p => p.Contains("more than one key file", StringComparison.Ordinal));

        Assert.Contains("'k20261206'", problem, StringComparison.Ordinal);
        Assert.DoesNotContain(new CentralOptions { SigningKeyPath = "/keys/k2.private.pem", PreviousPublicKeyPaths = ["/keys/k1.public.pem"] }.Problems(),
            p => p.Contains("more than one key file", StringComparison.Ordinal));
    }
}
