namespace Venue.Domain.Ledger;

public enum AttendeeStatus : byte
{
    Active,
    Revoked,
}
