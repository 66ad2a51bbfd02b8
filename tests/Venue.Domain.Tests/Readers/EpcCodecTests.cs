using Venue.Domain.Readers;

namespace Venue.Domain.Tests.Readers;

public sealed class EpcCodecTests
{
    [Theory]
    [InlineData("A-1")]
    [InlineData("x")]
    [InlineData("ATT-00012345")]
    [InlineData("!~{}")]
    public void An_attendee_id_survives_the_round_trip_through_an_epc(string attendeeId)
    {
        var epc = EpcCodec.Encode(attendeeId);

        Assert.Equal(24, epc.Length);
        Assert.True(EpcCodec.TryDecode(epc, out var decoded));
        Assert.Equal(attendeeId, decoded);
    }

    [Fact]
    public void The_id_bytes_are_right_aligned_behind_zero_padding()
    {
        Assert.Equal("0000000000000000002D4131", EpcCodec.Encode("-A1"));
    }

    [Fact]
    public void Hex_case_does_not_matter_when_decoding()
    {
        Assert.True(EpcCodec.TryDecode("0000000000000000002d6131", out var id));
        Assert.Equal("-a1", id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0000000000000000002D41")] // 22 digits
    [InlineData("0000000000000000002D413100")] // 26 digits
    [InlineData("0000000000000000002D41G1")] // not hex
    [InlineData("000000000000000000000000")] // all zero
    [InlineData("00000000000000000041000A")] // a zero byte inside the id, a control byte
    [InlineData("000000000000000000412041")] // a space
    [InlineData("0000000000000000004180FF")] // not ASCII
    [InlineData("7EDA9038051002710002C0AE")] // somebody else's tag
    public void Anything_that_is_not_a_venue_badge_is_refused(string epc)
    {
        Assert.False(EpcCodec.TryDecode(epc, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("THIRTEEN-CHAR")]
    [InlineData("with space")]
    [InlineData("naïve")]
    public void An_id_that_does_not_fit_a_badge_cannot_be_encoded(string attendeeId)
    {
        Assert.False(EpcCodec.IsEncodable(attendeeId));
        Assert.Throws<ArgumentException>(() => EpcCodec.Encode(attendeeId));
    }
}
