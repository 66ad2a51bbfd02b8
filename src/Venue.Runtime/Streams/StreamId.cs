namespace Venue.Runtime.Streams;

/// <summary>A stream: a namespace (<c>rfid</c>, <c>zone-occupancy</c>) and a key within it.</summary>
public readonly record struct StreamId(string Namespace, string Key)
{
    public override string ToString() => $"{Namespace}/{Key}";
}
