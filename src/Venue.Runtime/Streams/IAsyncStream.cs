namespace Venue.Runtime.Streams;

public interface IAsyncStream<T>
{
    StreamId Id { get; }

    /// <summary>
    /// Publishes an item and completes once every subscriber (explicit handlers and implicitly
    /// subscribed grains) has handled it. Returns the item's sequence number. Items published by one
    /// turn at a time (a grain) reach each subscriber in sequence order.
    /// </summary>
    Task<long> OnNextAsync(T item);

    /// <summary>Subscribes a handler to this stream; dispose the result to unsubscribe.</summary>
    IDisposable Subscribe(Func<StreamEvent<T>, Task> handler);
}
