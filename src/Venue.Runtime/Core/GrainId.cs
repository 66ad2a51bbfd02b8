namespace Venue.Runtime;

/// <summary>Identity of a grain: its type name and key; reads as <c>attendee/{key}</c>.</summary>
public readonly record struct GrainId(string Type, string Key)
{
    public override string ToString() => $"{Type}/{Key}";
}
