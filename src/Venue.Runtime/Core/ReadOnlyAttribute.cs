namespace Venue.Runtime;

/// <summary>
/// Marks a grain method that does not change state: it may interleave with other read-only calls
/// on the same activation, never with a writing turn (Orleans' <c>[ReadOnly]</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class ReadOnlyAttribute : Attribute;
