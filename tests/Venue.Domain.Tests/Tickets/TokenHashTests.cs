using Venue.Domain.Tickets;

namespace Venue.Domain.Tests.Tickets;

public sealed class TokenHashTests
{
    public static TheoryData<UInt128> Hashes => new()
    {
        UInt128.Zero,
        UInt128.One,
        UInt128.MaxValue,
        new UInt128(0x0123456789ABCDEF, 0xFEDCBA9876543210),
    };

    [Theory]
    [MemberData(nameof(Hashes))]
    public void A_formatted_hash_is_22_base64url_characters_that_parse_back_to_it(UInt128 hash)
    {
        var text = TokenHash.Format(hash);

        Assert.Equal(22, text.Length);
        Assert.All(text, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' in {text}"));
        Assert.True(TokenHash.TryParse(text, out var parsed));
        Assert.Equal(hash, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAA!")]
    [InlineData("AAAAAAAAAA AAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAA.")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAé")]
    public void Text_of_the_wrong_length_or_with_characters_outside_base64url_does_not_parse(string? text)
    {
        Assert.False(TokenHash.TryParse(text, out var hash));
        Assert.Equal(UInt128.Zero, hash);
    }

    [Fact]
    public void Two_badges_issued_for_the_same_claims_have_different_hashes()
    {
        using var key = TicketSigningKey.Create("k1");
        var claims = new BadgeClaims("k1", "expo-2030", "A-1", "general", 0, 0);

        var first = key.Issue(claims);
        var second = key.Issue(claims);

        Assert.NotEqual(TokenHash.Of(first), TokenHash.Of(second));
    }

    [Fact]
    public void The_hash_of_a_token_is_the_hash_of_its_decoded_bytes_and_is_stable()
    {
        using var key = TicketSigningKey.Create("k1");
        var token = key.Issue(new BadgeClaims("k1", "expo-2030", "A-1", "general", 0, 0));
        Assert.True(BadgeToken.TryDecode(token, out var badge, out _));

        Assert.Equal(TokenHash.Of(badge.Bytes), TokenHash.Of(token));
        Assert.Equal(TokenHash.Of(token), TokenHash.Of(token));
    }

    [Fact]
    public void Hashing_text_that_is_not_a_badge_token_throws_an_argument_exception()
    {
        var thrown = Assert.Throws<ArgumentException>(() => TokenHash.Of("VN1.????"));
        Assert.Contains("Not a badge token", thrown.Message, StringComparison.Ordinal);
    }
}
