using System.Buffers.Text;
using System.Net;
using Venue.Domain.CheckIn;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Edge.Tests.Infrastructure;

namespace Venue.Edge.Tests;

/// <summary>
/// Badges the edge must refuse, each with its machine-readable reason: answered 200 "refused",
/// journaled (for fraud and ops analysis), counted at the gate, and nobody let in.
/// </summary>
public sealed class RefusalReasonTests
{
    private static async Task<HttpAnswer> AssertRefusedAsync(EdgeScenario edge, string gate, string token, string reason, string? attendeeId = null,
        string? journaledAttendeeId = null)
    {
        journaledAttendeeId ??= attendeeId;
        var sequence = edge.Edge.Silo.Journal.LastSequence;
        var nonce = ScannerClient.NewNonce();

        var answer = await edge.Scanner.ScanAsync(gate, token, nonce: nonce);

        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        Assert.Equal(("refused", reason), (answer.Result, answer.Reason));
        Assert.Equal(attendeeId, answer.AttendeeId);
        if (attendeeId is null)
        {
            Assert.False(answer.Json.TryGetProperty("attendee", out _), $"no attendee, no 'attendee' property: {answer.Body}");
        }

        Assert.Equal(sequence + 1, edge.Edge.Silo.Journal.LastSequence);
        var entry = edge.Journal().Single(e => e.Nonce == nonce);
        Assert.Equal((gate, reason, journaledAttendeeId, false), (entry.GateId, entry.Reason.Code(), entry.AttendeeId, entry.Passed));
        var counters = await edge.Scanner.GateAsync(gate);
        Assert.True(counters.GetProperty("byReason").TryGetProperty(reason, out var count) && count.GetInt64() >= 1, counters.ToString());
        if (journaledAttendeeId is not null)
        {
            Assert.False((await edge.Edge.Silo.GetPresenceAsync(journaledAttendeeId)).Inside);
        }

        return answer;
    }

    private static string FlipSignatureByte(string token)
    {
        var bytes = Base64Url.DecodeFromChars(token.AsSpan(BadgeToken.Prefix.Length));
        bytes[^5] ^= 0x5A;
        return BadgeToken.Prefix + Base64Url.EncodeToString(bytes);
    }

    [Theory]
    [InlineData("VN1.!!not*base64!!")]
    [InlineData("VN1.")]
    [InlineData("VN1.AAAA")]
    [InlineData("https://example.com/not-a-badge")]
    [InlineData("VN2.AQJrMQ")]
    public async Task A_code_that_is_not_a_badge_is_refused_as_malformed(string token)
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });

        await AssertRefusedAsync(edge, "G01", token, "malformed");
    }

    [Fact]
    public async Task A_badge_with_a_flipped_signature_byte_is_refused_as_invalid_signature()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l => badge = l.Add("A0001"));

        await AssertRefusedAsync(edge, "G01", FlipSignatureByte(badge), "invalid_signature");
        await AssertRefusedAsync(edge, "G01", FlipSignatureByte(edge.Ledger.Issue("W0001")), "invalid_signature");
        Assert.Equal("admitted", (await edge.Scanner.ScanAsync("G01", badge)).Result);
    }

    [Fact]
    public async Task A_badge_whose_claims_were_altered_is_refused_as_invalid_signature()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l => badge = l.Add("A0001", "general"));
        // Rewrite the ticket type in place (same length, still decodable) and keep the signature.
        var bytes = Base64Url.DecodeFromChars(badge.AsSpan(BadgeToken.Prefix.Length));
        var at = bytes.AsSpan().IndexOf("general"u8);
        "press  "u8.CopyTo(bytes.AsSpan(at));
        var altered = BadgeToken.Prefix + Base64Url.EncodeToString(bytes);
        Assert.True(BadgeToken.TryDecode(altered, out _, out _));

        await AssertRefusedAsync(edge, "S01", altered, "invalid_signature");
    }

    [Fact]
    public async Task A_badge_signed_by_a_key_this_edge_does_not_hold_is_refused_as_invalid_signature()
    {
        await using var edge = await EdgeScenario.StartAsync(l => l.Add("A0001"));
        using var rogue = TicketSigningKey.Create("k2");
        var from = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds();
        var until = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds();

        await AssertRefusedAsync(edge, "G01", rogue.Issue(new BadgeClaims("k2", TestLedger.EventId, "A0001", "general", from, until)), "invalid_signature");
        await AssertRefusedAsync(edge, "G01", rogue.Issue(new BadgeClaims("k2", TestLedger.EventId, "W0001", "general", from, until)), "invalid_signature");
    }

    [Fact]
    public async Task A_badge_signed_by_another_key_under_this_edges_key_id_is_refused_as_invalid_signature()
    {
        await using var edge = await EdgeScenario.StartAsync(l => l.Add("A0001"));
        using var impostor = TicketSigningKey.Create("k1");
        var now = DateTimeOffset.UtcNow;

        var forged = impostor.Issue(new BadgeClaims("k1", TestLedger.EventId, "W0009", "vip", now.AddDays(-1).ToUnixTimeSeconds(), now.AddDays(1).ToUnixTimeSeconds()));

        await AssertRefusedAsync(edge, "G01", forged, "invalid_signature");
    }

    [Fact]
    public async Task An_expired_badge_is_refused_as_not_valid_now()
    {
        string expired = "", walkInExpired = "";
        var now = DateTimeOffset.UtcNow;
        await using var edge = await EdgeScenario.StartAsync(l =>
        {
            expired = l.Add("A0001", validFrom: now.AddDays(-3), validUntil: now.AddDays(-1));
            walkInExpired = l.Issue("W0001", validFrom: now.AddDays(-3), validUntil: now.AddMinutes(-1));
        });

        await AssertRefusedAsync(edge, "G01", expired, "not_valid_now", "A0001");
        await AssertRefusedAsync(edge, "G01", walkInExpired, "not_valid_now", "W0001");
    }

    [Fact]
    public async Task A_badge_not_valid_yet_is_refused_as_not_valid_now()
    {
        string dayTwo = "";
        var now = DateTimeOffset.UtcNow;
        await using var edge = await EdgeScenario.StartAsync(l => dayTwo = l.Add("A0001", validFrom: now.AddDays(1), validUntil: now.AddDays(3)));

        await AssertRefusedAsync(edge, "G01", dayTwo, "not_valid_now", "A0001");
    }

    [Fact]
    public async Task The_ledgers_validity_window_overrides_the_badges_own()
    {
        string badge = "";
        var now = DateTimeOffset.UtcNow;
        await using var edge = await EdgeScenario.StartAsync(l =>
        {
            // Printed valid all week, then the ledger cut it short: the ledger decides.
            var printed = l.Issue("A0001", validFrom: now.AddDays(-3), validUntil: now.AddDays(3));
            badge = l.Add("A0001", validFrom: now.AddDays(-3), validUntil: now.AddDays(-1), currentToken: printed);
        });

        await AssertRefusedAsync(edge, "G01", badge, "not_valid_now", "A0001");
    }

    [Fact]
    public async Task A_revoked_attendee_is_refused_as_revoked()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l => badge = l.Add("A0001", status: AttendeeStatus.Revoked));

        await AssertRefusedAsync(edge, "G01", badge, "revoked", "A0001");
    }

    [Fact]
    public async Task A_token_on_the_revocation_list_is_refused_as_revoked()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l =>
        {
            badge = l.Issue("W0001", "vip");
            l.RevokeToken(badge);
        });

        await AssertRefusedAsync(edge, "G01", badge, "revoked", "W0001");
    }

    [Fact]
    public async Task A_superseded_badge_with_a_valid_signature_is_refused_as_revoked_and_its_reissue_admitted()
    {
        string lost = "", reissued = "";
        await using var edge = await EdgeScenario.StartAsync(l =>
        {
            lost = l.Issue("A0001", "vip");
            reissued = l.Add("A0001", "vip");
        });
        Assert.NotEqual(lost, reissued);

        var refused = await AssertRefusedAsync(edge, "G01", lost, "revoked", "A0001");

        Assert.Equal("vip", refused.Json.GetProperty("attendee").GetProperty("ticketType").GetString());
        Assert.Equal("admitted", (await edge.Scanner.ScanAsync("G01", reissued)).Result);
    }

    [Fact]
    public async Task A_ticket_type_not_allowed_at_a_gate_is_refused_as_not_allowed_here()
    {
        string general = "", press = "", walkIn = "";
        await using var edge = await EdgeScenario.StartAsync(l =>
        {
            general = l.Add("A0001", "general");
            press = l.Add("A0002", "press");
            walkIn = l.Issue("W0001", "day-pass");
        });

        await AssertRefusedAsync(edge, "S01", general, "not_allowed_here", "A0001");
        await AssertRefusedAsync(edge, "S01", walkIn, "not_allowed_here", "W0001");
        Assert.Equal("admitted", (await edge.Scanner.ScanAsync("S01", press)).Result);
        Assert.Equal("admitted", (await edge.Scanner.ScanAsync("G01", general)).Result);
    }

    [Fact]
    public async Task A_gate_outside_its_opening_hours_refuses_as_gate_closed()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l => badge = l.Add("A0001", "vip"));

        await AssertRefusedAsync(edge, "C01", badge, "gate_closed", "A0001");
        await AssertRefusedAsync(edge, "L01", badge, "gate_closed", "A0001");
        Assert.Equal("admitted", (await edge.Scanner.ScanAsync("G01", badge)).Result);
    }

    [Fact]
    public async Task A_badge_of_another_event_or_an_unknown_ticket_type_is_refused_as_unknown_ticket()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });

        await AssertRefusedAsync(edge, "G01", edge.Ledger.Issue("A0001", eventId: "other-event"), "unknown_ticket");
        await AssertRefusedAsync(edge, "G01", edge.Ledger.Issue("W0001", "backstage"), "unknown_ticket", journaledAttendeeId: "W0001");
    }

    [Fact]
    public async Task A_walk_in_registered_after_the_last_sync_is_admitted_on_its_signature_alone()
    {
        await using var edge = await EdgeScenario.StartAsync(l => l.Add("A0001"));
        var walkIn = edge.Ledger.Issue("W0001", "exhibitor");
        Assert.False(edge.Edge.Silo.Ledger.TryGet("W0001", out _));

        var first = await edge.Scanner.ScanAsync("S01", walkIn);
        var second = await edge.Scanner.ScanAsync("G01", walkIn);

        Assert.Equal(("admitted", "admitted", "W0001"), (first.Result, first.Reason, first.AttendeeId));
        Assert.Equal("exhibitor", first.Json.GetProperty("attendee").GetProperty("ticketType").GetString());
        Assert.Equal(("refused", "already_inside"), (second.Result, second.Reason));
        Assert.Single(edge.Journal(), e => e.AttendeeId == "W0001" && e.Reason == ScanReason.Admitted);
    }
}
