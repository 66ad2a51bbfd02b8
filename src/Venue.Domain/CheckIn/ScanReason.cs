namespace Venue.Domain.CheckIn;

/// <summary>
/// Why a scan got its answer. Every scan gets one, success or not; the wire code is the snake_case
/// name (<see cref="ScanReasons.Code"/>). Values are stored in journals: append, never renumber.
/// </summary>
public enum ScanReason : byte
{
    /// <summary>Entry allowed.</summary>
    Admitted = 0,
    /// <summary>Exit allowed.</summary>
    Exited = 1,
    /// <summary>Entry refused: the attendee is already inside.</summary>
    AlreadyInside = 2,
    /// <summary>The code is not a ticket of this event.</summary>
    UnknownTicket = 3,
    /// <summary>The signature does not verify, or names a key this edge does not hold.</summary>
    InvalidSignature = 4,
    /// <summary>The attendee or this very token has been revoked (a reissued badge revokes the old one).</summary>
    Revoked = 5,
    /// <summary>Outside the ticket's validity window (server time decides, not the scanner's clock).</summary>
    NotValidNow = 6,
    /// <summary>The ticket type (or the attendee) may not use this gate.</summary>
    NotAllowedHere = 7,
    /// <summary>The gate is outside its opening hours.</summary>
    GateClosed = 8,
    /// <summary>The scanned code could not be decoded.</summary>
    Malformed = 9,
    /// <summary>Exit refused: the attendee is not inside.</summary>
    NotInside = 10,
    /// <summary>Entry refused: the ticket type does not allow re-entry after an exit.</summary>
    ReentryNotAllowed = 11,
}

public static class ScanReasons
{
    private static readonly string[] Codes =
    [
        "admitted", "exited", "already_inside", "unknown_ticket", "invalid_signature", "revoked",
        "not_valid_now", "not_allowed_here", "gate_closed", "malformed", "not_inside", "reentry_not_allowed",
    ];

    // The same codes as UTF-8, so a parser can read a reason without making a string of it.
    private static readonly byte[][] Utf8Codes = [.. Codes.Select(System.Text.Encoding.UTF8.GetBytes)];

    public static string Code(this ScanReason reason) => Codes[(int)reason];

    public static bool IsPassage(this ScanReason reason) => reason is ScanReason.Admitted or ScanReason.Exited;

    /// <summary>
    /// What says where an attendee is: passages, and exits refused as <c>not_inside</c>. Nobody is kept
    /// in at an exit, so such an exit is an attendee walking out through an edge that had not heard of
    /// their admission (made at an edge it was cut off from); it outranks anything older, as a passage does.
    /// </summary>
    public static bool IsPresenceEvidence(this ScanReason reason) => reason is ScanReason.Admitted or ScanReason.Exited or ScanReason.NotInside;

    public static IReadOnlyList<string> AllCodes => Codes;

    /// <summary>Reads a wire code back; false for anything that is not one of <see cref="AllCodes"/>.</summary>
    public static bool TryParse(string? code, out ScanReason reason)
    {
        var index = code is null ? -1 : Array.IndexOf(Codes, code);
        reason = (ScanReason)Math.Max(index, 0);
        return index >= 0;
    }

    /// <summary>Reads a wire code back from its UTF-8 bytes; false for anything that is not one of <see cref="AllCodes"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Code, out ScanReason reason)
    {
        for (var i = 0; i < Utf8Codes.Length; i++)
        {
            if (utf8Code.SequenceEqual(Utf8Codes[i]))
            {
                reason = (ScanReason)i;
                return true;
            }
        }

        reason = default;
        return false;
    }
}
