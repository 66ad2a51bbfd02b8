using System.Buffers.Text;
using Venue.Domain.Tickets;

namespace Venue.Domain.Tests.Tickets;

public sealed class BadgeTokenTests : IDisposable
{
    private static readonly BadgeClaims Typical = new("2030-06", "expo-2030", "A-0001234567", "general",
        TestEvent.Unix(TestEvent.Now), TestEvent.Unix(TestEvent.Now.AddDays(3)));

    private readonly TicketSigningKey _key = TicketSigningKey.Create("2030-06");
    private readonly TicketKeyRing _ring = new();

    public BadgeTokenTests() => _ring.Add(_key.KeyId, _key.ExportPublicKey());

    public void Dispose() => _key.Dispose();

    [Fact]
    public void An_issued_token_decodes_to_every_claim_it_was_issued_with()
    {
        var claims = new BadgeClaims("2030-06", "fête-2030", "Zoë Ångström #7", "exhibitor", 1_900_000_000, 4_000_000_000);

        var token = _key.Issue(claims);

        Assert.True(BadgeToken.TryDecode(token, out var badge, out var error), error);
        Assert.Equal(claims, badge.Claims);
        Assert.Equal(BadgeToken.SignatureLength, badge.Signature.Length);
        Assert.Equal(BadgeToken.EncodePayload(claims), badge.Payload.ToArray());
        Assert.Equal(SignatureCheck.Valid, _ring.Verify(badge));
    }

    [Fact]
    public void Unbounded_validity_is_carried_as_zero()
    {
        var token = _key.Issue(Typical with { ValidFromUnix = 0, ValidUntilUnix = 0 });

        Assert.True(BadgeToken.TryDecode(token, out var badge, out _));
        Assert.Equal(0, badge.Claims.ValidFromUnix);
        Assert.Equal(0, badge.Claims.ValidUntilUnix);
    }

    [Fact]
    public void A_typical_token_starts_with_the_version_prefix_and_fits_a_small_QR_code()
    {
        var token = _key.Issue(Typical);

        Assert.StartsWith("VN1.", token, StringComparison.Ordinal);
        Assert.True(token.Length < 200, $"A typical badge token is {token.Length} characters: {token}");
        Assert.DoesNotContain('=', token);
    }

    [Fact]
    public void Every_truncation_of_a_valid_token_is_refused_cleanly()
    {
        var token = _key.Issue(Typical);

        for (var length = 0; length < token.Length; length++)
        {
            var truncated = token[..length];
            var decoded = BadgeToken.TryDecode(truncated, out _, out var error);
            Assert.False(decoded, $"The first {length} characters of a token decoded as a token.");
            Assert.False(string.IsNullOrEmpty(error), $"Truncation to {length} characters was refused without a reason.");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("VN1.")]
    [InlineData("VN1.!!!!")]
    [InlineData("VN1.AQ$d")]
    [InlineData("VN1.AAAA AAAA")]
    [InlineData("VN1.A")]
    public void A_token_that_is_not_base64url_after_its_prefix_is_refused(string token)
    {
        Assert.False(BadgeToken.TryDecode(token, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\t")]
    [InlineData("=")]
    public void A_genuine_token_with_spaces_or_padding_added_is_not_a_second_string_for_the_same_badge(string added)
    {
        var token = IssueWithLength(2);
        Assert.True(BadgeToken.TryDecode(token, out _, out _));

        foreach (var altered in new[] { token[..20] + added + token[20..], token + added, token + added + added })
        {
            Assert.False(BadgeToken.TryDecode(altered, out _, out var error), $"'{altered}' decoded as a badge");
            Assert.Contains("base64url", error, StringComparison.Ordinal);
        }
    }

    /// <summary>A token whose base64url length leaves 2 over a multiple of 4: the shape '==' padding would complete.</summary>
    private string IssueWithLength(int remainder)
    {
        for (var i = 0; ; i++)
        {
            var token = _key.Issue(Typical with { AttendeeId = $"A-{new string('x', i)}" });
            if ((token.Length - BadgeToken.Prefix.Length) % 4 == remainder)
            {
                return token;
            }
        }
    }

    [Fact]
    public void A_null_token_is_refused()
    {
        Assert.False(BadgeToken.TryDecode(null!, out _, out var error));
        Assert.Contains("VN1.", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("VN2.")]
    [InlineData("vn1.")]
    [InlineData("VN1-")]
    [InlineData(" VN1.")]
    [InlineData("")]
    public void A_token_with_the_wrong_prefix_is_refused(string prefix)
    {
        var body = _key.Issue(Typical)["VN1.".Length..];

        Assert.False(BadgeToken.TryDecode(prefix + body, out _, out var error));
        Assert.Contains("VN1.", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(255)]
    public void A_token_of_another_format_version_is_refused(byte version)
    {
        var bytes = BodyBytes(_key.Issue(Typical));
        bytes[0] = version;

        Assert.False(BadgeToken.TryDecode(Rebuild(bytes), out _, out var error));
        Assert.Contains("version", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_with_bytes_appended_is_refused()
    {
        var bytes = BodyBytes(_key.Issue(Typical));

        Assert.False(BadgeToken.TryDecode(Rebuild([.. bytes, 0]), out _, out _));
    }

    [Fact]
    public void A_token_holding_invalid_UTF8_is_refused()
    {
        var bytes = BodyBytes(_key.Issue(Typical));
        bytes[2] = 0xFF; // the first byte of the key id

        Assert.False(BadgeToken.TryDecode(Rebuild(bytes), out _, out var error));
        Assert.Contains("UTF-8", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_flipped_signature_byte_fails_verification()
    {
        var bytes = BodyBytes(_key.Issue(Typical));
        var signatureStart = bytes.Length - BadgeToken.SignatureLength;

        for (var i = signatureStart; i < bytes.Length; i++)
        {
            var forged = (byte[])bytes.Clone();
            forged[i] ^= 0x01;
            Assert.True(BadgeToken.TryDecode(Rebuild(forged), out var badge, out var error), error);
            Assert.Equal(SignatureCheck.Invalid, _ring.Verify(badge));
        }
    }

    [Fact]
    public void A_changed_claim_fails_verification()
    {
        var token = _key.Issue(Typical with { TicketType = "general" });
        var bytes = BodyBytes(token);
        var at = IndexOf(bytes, "general"u8);
        "vipvips"u8.CopyTo(bytes.AsSpan(at));

        Assert.True(BadgeToken.TryDecode(Rebuild(bytes), out var badge, out _));
        Assert.Equal("vipvips", badge.Claims.TicketType);
        Assert.Equal(SignatureCheck.Invalid, _ring.Verify(badge));
    }

    [Fact]
    public void A_token_checked_against_a_ring_without_its_key_id_names_an_unknown_key()
    {
        using var other = TicketSigningKey.Create("other");
        var ring = new TicketKeyRing();
        ring.Add(other.KeyId, other.ExportPublicKey());
        Assert.True(BadgeToken.TryDecode(_key.Issue(Typical), out var badge, out _));

        Assert.Equal(SignatureCheck.UnknownKey, ring.Verify(badge));
        Assert.Equal(SignatureCheck.UnknownKey, new TicketKeyRing().Verify(badge));
    }

    [Theory]
    [InlineData("key id")]
    [InlineData("event id")]
    [InlineData("attendee id")]
    [InlineData("ticket type")]
    public void Claims_with_an_empty_or_oversized_string_cannot_be_encoded(string field)
    {
        foreach (var value in new[] { "", new string('x', 256), new string('é', 128) })
        {
            var claims = field switch
            {
                "key id" => Typical with { KeyId = value },
                "event id" => Typical with { EventId = value },
                "attendee id" => Typical with { AttendeeId = value },
                _ => Typical with { TicketType = value },
            };

            var thrown = Assert.Throws<ArgumentException>(() => BadgeToken.EncodePayload(claims));
            Assert.Contains(field, thrown.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Strings_of_exactly_255_bytes_round_trip()
    {
        var longest = new string('a', 255);
        var claims = Typical with { EventId = longest, AttendeeId = longest, TicketType = longest };

        var token = _key.Issue(claims);

        Assert.True(BadgeToken.TryDecode(token, out var badge, out var error), error);
        Assert.Equal(claims, badge.Claims);
    }

    private static byte[] BodyBytes(string token) => Base64Url.DecodeFromChars(token.AsSpan(BadgeToken.Prefix.Length));

    private static string Rebuild(byte[] bytes) => BadgeToken.Prefix + Base64Url.EncodeToString(bytes);

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle)
    {
        var at = haystack.AsSpan().IndexOf(needle);
        Assert.True(at >= 0, "The token does not hold the expected bytes.");
        return at;
    }
}
