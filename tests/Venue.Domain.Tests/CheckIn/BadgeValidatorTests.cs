using System.Globalization;
using System.Numerics;
using System.Buffers.Text;
using Venue.Domain.CheckIn;
using Venue.Domain.Gates;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;

namespace Venue.Domain.Tests.CheckIn;

public sealed class BadgeValidatorTests : IDisposable
{
    private static readonly DateTimeOffset Now = TestEvent.Now;
    private static readonly GateDefinition Main = new("main", "Main entrance");
    private static readonly GateDefinition North = new("north", "North entrance");
    private static readonly GateDefinition VipLounge = new("vip-lounge", "VIP lounge", AllowedTicketTypes: ["vip"]);

    private readonly TestEvent _event = new();

    public void Dispose() => _event.Dispose();

    private BadgeVerdict Validate(string token, GateDefinition? gate = null, DateTimeOffset? now = null) =>
        BadgeValidator.Validate(token, gate ?? Main, _event.Ledger, now ?? Now);

    private static void AssertRefused(ScanReason reason, BadgeVerdict verdict) =>
        Assert.True(verdict.Refusal == reason, $"Expected {reason.Code()}, got {verdict.Refusal?.Code() ?? "an admission"}.");

    private static void AssertAllowed(BadgeVerdict verdict) =>
        Assert.True(verdict.Refusal is null, $"Expected an admission, got {verdict.Refusal?.Code()}.");

    [Fact]
    public void A_registered_attendee_with_their_current_badge_is_allowed_with_their_ledger_details()
    {
        var token = _event.Register("A-1", TestEvent.DayPass);

        var verdict = Validate(token);

        AssertAllowed(verdict);
        Assert.Equal("A-1", verdict.AttendeeId);
        Assert.Equal(new AttendeeSummary("A-1", "Attendee A-1", "day-pass"), verdict.Attendee);
        Assert.False(verdict.Reentry);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("https://example.com/ticket/123")]
    [InlineData("VN1.")]
    [InlineData("VN1.bad base64!")]
    public void A_code_that_does_not_decode_is_refused_as_malformed(string token)
    {
        var verdict = Validate(token);

        AssertRefused(ScanReason.Malformed, verdict);
        Assert.Null(verdict.AttendeeId);
    }

    [Fact]
    public void A_genuine_badge_of_another_event_is_refused_as_unknown_ticket()
    {
        var token = _event.Issue("A-1", eventId: "other-event-2030");

        AssertRefused(ScanReason.UnknownTicket, Validate(token));
    }

    [Fact]
    public void A_genuine_walk_in_badge_of_a_ticket_type_the_ledger_does_not_know_is_refused_as_unknown_ticket()
    {
        var token = _event.Issue("W-1", ticketType: "backstage");

        AssertRefused(ScanReason.UnknownTicket, Validate(token));
    }

    [Fact]
    public void A_walk_in_badge_with_a_forged_signature_is_refused_as_invalid_signature()
    {
        var token = FlipLastSignatureByte(_event.Issue("W-1"));

        var verdict = Validate(token);

        AssertRefused(ScanReason.InvalidSignature, verdict);
        Assert.Null(verdict.AttendeeId);
    }

    [Fact]
    public void A_badge_signed_by_a_key_that_impersonates_the_events_key_id_is_refused_as_invalid_signature()
    {
        _event.Register("A-1");
        using var impostor = TicketSigningKey.Create(_event.Key.KeyId);
        var claims = new BadgeClaims(impostor.KeyId, TestEvent.EventId, "A-1", "general", 0, 0);

        AssertRefused(ScanReason.InvalidSignature, Validate(impostor.Issue(claims)));
        AssertRefused(ScanReason.InvalidSignature, Validate(impostor.Issue(claims with { AttendeeId = "W-1" })));
    }

    [Fact]
    public void A_badge_signed_by_a_key_the_edge_does_not_hold_is_refused_as_invalid_signature()
    {
        using var unknown = TicketSigningKey.Create("k9");
        var token = unknown.Issue(new BadgeClaims("k9", TestEvent.EventId, "W-1", "general", 0, 0));

        AssertRefused(ScanReason.InvalidSignature, Validate(token));
    }

    [Fact]
    public void A_registered_attendee_whose_status_is_revoked_is_refused_as_revoked()
    {
        var token = _event.Register("A-1", status: AttendeeStatus.Revoked);

        var verdict = Validate(token);

        AssertRefused(ScanReason.Revoked, verdict);
        Assert.Equal("A-1", verdict.AttendeeId);
        Assert.Equal("Attendee A-1", verdict.Attendee?.Name);
    }

    [Fact]
    public void A_walk_in_badge_on_the_revocation_list_is_refused_as_revoked()
    {
        var token = _event.Issue("W-1");
        _event.Ledger.RevokeToken(TokenHash.Of(token));

        AssertRefused(ScanReason.Revoked, Validate(token));
        AssertAllowed(Validate(_event.Issue("W-1")));
    }

    [Fact]
    public void A_revoked_walk_in_badge_with_its_signature_twin_is_still_refused_as_revoked()
    {
        var token = _event.Issue("W-1");
        _event.Ledger.RevokeToken(TokenHash.Of(token));
        var twin = SignatureTwin(token);
        Assert.True(BadgeToken.TryDecode(twin, out var badge, out _));
        Assert.Equal(SignatureCheck.Valid, _event.Ledger.Keys.Verify(badge));
        Assert.NotEqual(TokenHash.Of(token), TokenHash.Of(twin));

        AssertRefused(ScanReason.Revoked, Validate(twin));
    }

    [Fact]
    public void A_registered_attendees_current_badge_with_its_signature_twin_is_the_same_badge()
    {
        var token = _event.Register("A-1");
        var twin = SignatureTwin(token);

        var verdict = Validate(twin);

        AssertAllowed(verdict);
        Assert.Equal("A-1", verdict.AttendeeId);
        _event.Ledger.RevokeToken(TokenHash.Of(token));
        AssertRefused(ScanReason.Revoked, Validate(twin));
    }

    /// <summary>The token with (r, n − s) for its signature (r, s), which verifies as well: ECDSA's malleability.</summary>
    private static string SignatureTwin(string token)
    {
        Assert.True(BadgeToken.TryDecode(token, out var badge, out _));
        var bytes = badge.Bytes.ToArray();
        var s = bytes.AsSpan(bytes.Length - 32);
        var order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var twinS = (order - new BigInteger(s, isUnsigned: true, isBigEndian: true)).ToByteArray(isUnsigned: true, isBigEndian: true);
        s.Clear();
        twinS.CopyTo(s[(32 - twinS.Length)..]);
        return BadgeToken.Prefix + Base64Url.EncodeToString(bytes);
    }

    [Fact]
    public void A_registered_attendees_current_badge_on_the_revocation_list_is_refused_as_revoked()
    {
        var token = _event.Register("A-1");
        _event.Ledger.RevokeToken(TokenHash.Of(token));

        AssertRefused(ScanReason.Revoked, Validate(token));
    }

    [Fact]
    public void A_genuine_badge_superseded_by_a_reissue_is_refused_as_revoked_while_the_reissue_is_allowed()
    {
        var superseded = _event.Register("A-1");
        var reissued = _event.Register("A-1");
        Assert.True(BadgeToken.TryDecode(superseded, out var badge, out _));
        Assert.Equal(SignatureCheck.Valid, _event.Ledger.Keys.Verify(badge));

        var verdict = Validate(superseded);

        AssertRefused(ScanReason.Revoked, verdict);
        Assert.Equal("A-1", verdict.AttendeeId);
        AssertAllowed(Validate(reissued));
    }

    [Fact]
    public void A_forged_badge_for_a_registered_attendee_is_refused_as_invalid_signature_not_revoked()
    {
        var current = _event.Register("A-1");

        AssertRefused(ScanReason.InvalidSignature, Validate(FlipLastSignatureByte(current)));
    }

    [Fact]
    public void Before_the_ledgers_valid_from_a_badge_is_refused_as_not_valid_now_and_allowed_from_that_second()
    {
        var from = Now.AddHours(2);
        var token = _event.Register("A-1", validFrom: TestEvent.Unix(from));

        AssertRefused(ScanReason.NotValidNow, Validate(token, now: Now));
        AssertRefused(ScanReason.NotValidNow, Validate(token, now: from.AddMilliseconds(-1)));
        AssertAllowed(Validate(token, now: from));
    }

    [Fact]
    public void At_and_after_the_ledgers_valid_until_a_badge_is_refused_as_not_valid_now()
    {
        var until = Now.AddHours(8);
        var token = _event.Register("A-1", validUntil: TestEvent.Unix(until));

        AssertAllowed(Validate(token, now: until.AddMilliseconds(-1)));
        AssertRefused(ScanReason.NotValidNow, Validate(token, now: until));
        AssertRefused(ScanReason.NotValidNow, Validate(token, now: until.AddDays(1)));
    }

    [Fact]
    public void A_walk_in_badge_is_held_to_the_validity_window_it_carries()
    {
        var token = _event.Issue("W-1", validFrom: TestEvent.Unix(Now.AddHours(-1)), validUntil: TestEvent.Unix(Now.AddHours(1)));

        AssertAllowed(Validate(token));
        AssertRefused(ScanReason.NotValidNow, Validate(token, now: Now.AddHours(-2)));
        AssertRefused(ScanReason.NotValidNow, Validate(token, now: Now.AddHours(1)));
    }

    [Fact]
    public void For_a_registered_attendee_the_ledgers_window_wins_over_the_one_in_the_badge()
    {
        // The badge says "valid all week"; the ledger (central's later word) says "today only".
        var token = _event.Issue("A-1", validUntil: TestEvent.Unix(Now.AddDays(7)));
        _event.Ledger.Upsert(new AttendeeRecord("A-1", "Attendee A-1", TestEvent.General, 0, TestEvent.Unix(Now.AddHours(10)),
            AttendeeStatus.Active, TokenHash.Of(token), null));

        AssertAllowed(Validate(token));
        AssertRefused(ScanReason.NotValidNow, Validate(token, now: Now.AddDays(1)));
    }

    [Fact]
    public void A_gate_that_admits_only_some_ticket_types_refuses_others_as_not_allowed_here()
    {
        var general = _event.Register("A-1");
        var vip = _event.Register("V-1", TestEvent.Vip);

        AssertRefused(ScanReason.NotAllowedHere, Validate(general, VipLounge));
        AssertAllowed(Validate(vip, VipLounge));
    }

    [Fact]
    public void A_ticket_type_limited_to_some_gates_is_refused_at_the_others_as_not_allowed_here()
    {
        var vip = _event.Register("V-1", TestEvent.Vip);

        AssertRefused(ScanReason.NotAllowedHere, Validate(vip, Main));
        AssertAllowed(Validate(vip, North));
    }

    [Fact]
    public void An_attendee_with_gates_of_their_own_is_refused_at_other_gates_as_not_allowed_here()
    {
        var token = _event.Register("P-1", gates: ["press-door"]);

        AssertRefused(ScanReason.NotAllowedHere, Validate(token, Main));
        AssertAllowed(Validate(token, new GateDefinition("press-door", "Press door")));
    }

    [Fact]
    public void An_attendees_own_gates_do_not_override_a_gates_ticket_type_rule()
    {
        var token = _event.Register("P-1", gates: ["vip-lounge"]);

        AssertRefused(ScanReason.NotAllowedHere, Validate(token, VipLounge));
    }

    [Fact]
    public void A_walk_in_badge_is_held_to_its_ticket_types_gates()
    {
        var token = _event.Issue("W-1", ticketType: "vip");

        AssertRefused(ScanReason.NotAllowedHere, Validate(token, Main));
        AssertAllowed(Validate(token, North));
    }

    [Fact]
    public void A_genuine_walk_in_badge_not_in_the_ledger_is_allowed_with_the_badges_claims()
    {
        var token = _event.Issue("W-77", ticketType: "day-pass", validUntil: TestEvent.Unix(Now.AddDays(1)));

        var verdict = Validate(token);

        AssertAllowed(verdict);
        Assert.Equal("W-77", verdict.AttendeeId);
        Assert.Equal(new AttendeeSummary("W-77", "", "day-pass"), verdict.Attendee);
        Assert.False(verdict.Reentry);
    }

    [Fact]
    public void The_ledgers_current_badge_is_recognised_by_its_hash_without_any_key_while_another_genuine_badge_is_not()
    {
        using var keyless = new TestEvent(ledgerHoldsKey: false);
        Assert.Empty(keyless.Ledger.Keys.KeyIds);
        var current = keyless.Register("A-1");
        var otherGenuine = keyless.Issue("A-1");

        var admitted = BadgeValidator.Validate(current, Main, keyless.Ledger, Now);
        var refused = BadgeValidator.Validate(otherGenuine, Main, keyless.Ledger, Now);

        AssertAllowed(admitted);
        Assert.Equal("A-1", admitted.AttendeeId);
        AssertRefused(ScanReason.InvalidSignature, refused);
    }

    [Fact]
    public void Reentry_follows_the_ticket_type()
    {
        Assert.True(Validate(_event.Register("G-1")).Reentry);
        Assert.False(Validate(_event.Register("D-1", TestEvent.DayPass)).Reentry);
        Assert.True(Validate(_event.Issue("W-1")).Reentry);
    }

    private static string FlipLastSignatureByte(string token)
    {
        var bytes = Base64Url.DecodeFromChars(token.AsSpan(BadgeToken.Prefix.Length));
        bytes[^1] ^= 0x01;
        return BadgeToken.Prefix + Base64Url.EncodeToString(bytes);
    }
}
