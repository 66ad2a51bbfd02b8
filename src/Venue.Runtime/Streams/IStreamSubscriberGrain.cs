namespace Venue.Runtime.Streams;

/// <summary>
/// A grain that receives stream items through an implicit subscription: items on stream
/// <c>(namespace, key)</c> are delivered to the grain with that key, one turn per item.
/// </summary>
public interface IStreamSubscriberGrain<T> : IGrainWithStringKey
{
    Task OnNextAsync(StreamEvent<T> streamEvent);
}
