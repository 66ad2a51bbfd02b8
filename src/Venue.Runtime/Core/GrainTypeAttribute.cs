namespace Venue.Runtime;

/// <summary>
/// Names the grain type used in grain ids. Without it the name is derived from the interface:
/// <c>IAttendeeGrain</c> becomes <c>attendee</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
