using Venue.Domain.Readers;
using Venue.Messaging.RabbitMq;
using Venue.Testing.Processes;

namespace Venue.Messaging.Tests.Support;

public static class Consumers
{
    /// <summary>Starts a consumer and waits until it consumes (its topology is declared by then).</summary>
    public static async Task<ReaderQueueConsumer> StartedAsync(ReaderQueueOptions options, IReadSink sink)
    {
        var consumer = new ReaderQueueConsumer(options, sink);
        await consumer.StartAsync(CancellationToken.None);
        await consumer.ConsumingAsync();
        return consumer;
    }

    public static Task ConsumingAsync(this ReaderQueueConsumer consumer, TimeSpan? within = null) =>
        Eventually.UntilAsync(() => Task.FromResult(consumer.Stats.Connected), within ?? TimeSpan.FromSeconds(30),
            () => $"the reads consumer to consume (stats: {consumer.Stats})");
}
