using Venue.Domain.Gates;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;

namespace Venue.Domain.CheckIn;

/// <summary>
/// Decides what a badge allows at a gate, from the ledger and the public keys alone (no presence).
/// A token whose hash is the ledger's current hash for its attendee is genuine without an ECDSA
/// check; any other token is verified, so attendees registered after the last sync still get in.
/// An exit is refused only for a badge that is not genuine or not the attendee's current one: nobody
/// inside is kept in because their ticket expired, was revoked or belongs at another gate.
/// </summary>
public static class BadgeValidator
{
    public static BadgeVerdict Validate(string token, GateDefinition gate, AttendeeLedger ledger, DateTimeOffset now,
        ScanDirection direction = ScanDirection.Entry)
    {
        if (!BadgeToken.TryDecode(token, out var badge, out _))
        {
            return BadgeVerdict.Refuse(ScanReason.Malformed);
        }

        var claims = badge.Claims;
        if (!string.Equals(claims.EventId, ledger.EventId, StringComparison.Ordinal))
        {
            return BadgeVerdict.Refuse(ScanReason.UnknownTicket);
        }

        var hash = TokenHash.Of(badge.Bytes);
        UInt128? twin = null;
        var known = ledger.TryGet(claims.AttendeeId, out var record);
        if (!known || record.TokenHash != hash)
        {
            if (ledger.Keys.Verify(badge) != SignatureCheck.Valid)
            {
                return BadgeVerdict.Refuse(ScanReason.InvalidSignature);
            }

            // The same signed badge with its signature's twin (r, n − s) is the same badge.
            twin = TokenHash.OfSignatureTwin(badge);
            if (known && record.TokenHash != twin)
            {
                // Genuine, but not the attendee's current token: it was superseded by a reissue.
                return BadgeVerdict.Refuse(ScanReason.Revoked, record.Id, Summary(record));
            }
        }

        TicketType? ticketType = known ? record.TicketType : null;
        if (ticketType is null && !ledger.TryGetTicketType(claims.TicketType, out ticketType))
        {
            return BadgeVerdict.Refuse(ScanReason.UnknownTicket, claims.AttendeeId);
        }

        var attendee = known ? Summary(record) : new AttendeeSummary(claims.AttendeeId, "", ticketType.Name);
        if (direction == ScanDirection.Exit)
        {
            return new BadgeVerdict(null, attendee.Id, attendee, ticketType.Reentry);
        }

        if (ledger.IsTokenRevoked(hash) || (twin is { } t && ledger.IsTokenRevoked(t)) || (known && record.Status == AttendeeStatus.Revoked))
        {
            return BadgeVerdict.Refuse(ScanReason.Revoked, attendee.Id, attendee);
        }

        var from = known ? record.ValidFromUnix : claims.ValidFromUnix;
        var until = known ? record.ValidUntilUnix : claims.ValidUntilUnix;
        var nowUnix = now.ToUnixTimeSeconds();
        if ((from != 0 && nowUnix < from) || (until != 0 && nowUnix >= until))
        {
            return BadgeVerdict.Refuse(ScanReason.NotValidNow, attendee.Id, attendee);
        }

        var allowed = gate.AllowsTicketType(ticketType.Name) && (known ? record.AllowsGate(gate.Id) : ticketType.AllowsGate(gate.Id));
        if (!allowed)
        {
            return BadgeVerdict.Refuse(ScanReason.NotAllowedHere, attendee.Id, attendee);
        }

        return new BadgeVerdict(null, attendee.Id, attendee, ticketType.Reentry);
    }

    private static AttendeeSummary Summary(AttendeeRecord record) => new(record.Id, record.Name, record.TicketType.Name);
}
