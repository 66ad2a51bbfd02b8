namespace Venue.Domain.CheckIn;

public enum ScanDirection : byte
{
    Entry = 0,
    Exit = 1,
}
