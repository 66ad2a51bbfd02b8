namespace Venue.Simulation;

/// <summary>What event to generate. Shares are fractions of attendees (0.01 = 1 %).</summary>
public sealed record EventSpec(
    string EventId,
    int Attendees,
    int Gates,
    int Seed,
    DateTimeOffset Opening,
    double RevokedShare = 0.005,
    double NextDayShare = 0.01)
{
    public void Validate()
    {
        if (!Venue.Domain.Ledger.LedgerSnapshot.IsValidEventId(EventId))
        {
            throw new ArgumentException($"The event id must be 1 to {Venue.Domain.Ledger.LedgerSnapshot.MaxEventIdBytes} bytes of UTF-8.", nameof(EventId));
        }

        if (Attendees is < 1 or > 5_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Attendees), Attendees, "Attendees must be between 1 and 5,000,000.");
        }

        if (Gates is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(Gates), Gates, "Gates must be between 1 and 1,000.");
        }

        if (RevokedShare is < 0 or > 0.5 || NextDayShare is < 0 or > 0.5)
        {
            throw new ArgumentOutOfRangeException(nameof(RevokedShare), "Revoked and next-day shares must be between 0 and 0.5.");
        }
    }
}
