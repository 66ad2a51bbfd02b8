namespace Venue.Runtime.Streams;

/// <summary>
/// Subscribes every grain of the class to a stream namespace: the stream key becomes the grain key
/// (RFID reads for portal P reach <c>portal/P</c>). The grain's interface must extend
/// <see cref="IStreamSubscriberGrain{T}"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ImplicitStreamSubscriptionAttribute(string streamNamespace) : Attribute
{
    public string Namespace { get; } = streamNamespace;
}
