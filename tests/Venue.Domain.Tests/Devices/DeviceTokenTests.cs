using System.Security.Cryptography;
using System.Text;
using Venue.Domain.Devices;

namespace Venue.Domain.Tests.Devices;

public sealed class DeviceTokenTests
{
    [Fact]
    public void A_created_token_parses_into_its_id_and_a_256_bit_secret()
    {
        var (id, token) = DeviceToken.Create();

        Assert.True(DeviceToken.TryParse(token, out var parsedId, out var secret));
        Assert.Equal(id, parsedId);
        Assert.Equal($"vdt_{id}_{secret}", token);
        Assert.Equal(32, System.Buffers.Text.Base64Url.DecodeFromChars(secret).Length);
    }

    [Fact]
    public void Two_created_tokens_differ()
    {
        Assert.NotEqual(DeviceToken.Create(), DeviceToken.Create());
    }

    [Fact]
    public void A_secret_may_itself_contain_underscores()
    {
        Assert.True(DeviceToken.TryParse("vdt_0a1b2c_se_cr_et_", out var id, out var secret));

        Assert.Equal("0a1b2c", id);
        Assert.Equal("se_cr_et_", secret);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("vdt_")]
    [InlineData("vdt_abc")]
    [InlineData("vdt__secret")]
    [InlineData("vdt_abc_")]
    [InlineData("VDT_abc_secret")]
    [InlineData("xyz_abc_secret")]
    [InlineData(" vdt_abc_secret")]
    [InlineData("Bearer vdt_abc_secret")]
    public void A_malformed_token_does_not_parse(string? token)
    {
        Assert.False(DeviceToken.TryParse(token, out var id, out var secret));
        Assert.Equal("", id);
        Assert.Equal("", secret);
    }

    [Fact]
    public void The_stored_hash_is_the_SHA256_of_the_secret()
    {
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes("s3cret")), DeviceToken.HashSecret("s3cret"));
    }

    [Fact]
    public void Only_the_exact_secret_matches_its_hash()
    {
        var (_, token) = DeviceToken.Create();
        DeviceToken.TryParse(token, out _, out var secret);
        var stored = DeviceToken.HashSecret(secret);

        Assert.True(DeviceToken.SecretMatches(secret, stored));
        Assert.False(DeviceToken.SecretMatches(secret + "x", stored));
        Assert.False(DeviceToken.SecretMatches(secret[..^1], stored));
        Assert.False(DeviceToken.SecretMatches(secret.ToUpperInvariant(), stored));
        Assert.False(DeviceToken.SecretMatches("", stored));
        Assert.False(DeviceToken.SecretMatches(secret, stored[..16]));
    }
}
