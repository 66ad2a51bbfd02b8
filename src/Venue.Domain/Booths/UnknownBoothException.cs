namespace Venue.Domain.Booths;

public sealed class UnknownBoothException(string boothId) : Exception($"Booth '{boothId}' is not in the venue layout.")
{
    public string BoothId { get; } = boothId;
}
