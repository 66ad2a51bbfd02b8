namespace Venue.Runtime.Streams;

public interface IStreamProvider
{
    IAsyncStream<T> GetStream<T>(StreamId id);

    /// <summary>Subscribes a handler to every stream of a namespace whose items are <typeparamref name="T"/>.</summary>
    IDisposable SubscribeNamespace<T>(string streamNamespace, Func<StreamEvent<T>, Task> handler);
}
