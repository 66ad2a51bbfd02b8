using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Venue.Messaging.Tests.Support;
using Venue.Testing;
using Venue.Testing.RabbitMq;
using Xunit.Abstractions;

namespace Venue.Messaging.Tests;

/// <summary>
/// Compose's broker script (silo-config/rabbitmq/open-readers.sh) against a real node: a reader is
/// refused at login until the edge's reads queue is bound, instead of having its publishes acknowledged and dropped.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class OpenReadersScriptTests(RabbitMqFixture broker, ITestOutputHelper output)
{
    [Fact]
    public async Task A_reader_may_publish_only_once_the_edge_has_bound_its_reads_queue_so_no_early_read_is_silently_dropped()
    {
        if (!broker.Met(output) || !Requirement.Met(MosquittoReader.Executable is not null, "mosquitto_pub (mosquitto-clients)", output))
        {
            return;
        }

        var server = broker.Server!;
        using var directory = new TempDirectory();
        var user = $"reader-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4))}";
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        // As start.sh leaves the readers' login: no access to the vhost yet.
        await server.CtlAsync(["add_user", user, password]);
        try
        {
            await using var queue = new ReadsQueue(server);
            var reader = new MosquittoReader(server, user, password);
            using var script = Process.Start(new ProcessStartInfo("sh", [RepositoryFiles.Path("silo-config", "rabbitmq", "open-readers.sh")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment =
                {
                    ["RABBITMQCTL"] = server.WriteCtlScript(directory.File("rabbitmqctl")),
                    ["VENUE_READER_USER"] = user,
                    ["VENUE_READS_QUEUE_PATTERN"] = Regex.Escape(queue.Options.EffectiveQueueName) + "$",
                },
            })!;
            try
            {
                // No queue yet: the reader is refused at login, so it keeps its read; it is not taken and dropped.
                Assert.False(await reader.TryPublishAsync(queue.Topic("r1"), ZebraJson.Event(1)), "a reader published before any queue was bound");
                Assert.False(script.HasExited, "the script gave readers the right to publish before the queue was bound");

                var sink = new JournalingSink("r1");
                await using var consumer = await Consumers.StartedAsync(queue.Options, sink);
                await script.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                Assert.True(script.ExitCode == 0, await script.StandardError.ReadToEndAsync());

                await reader.PublishAsync(queue.Topic("r1"), ZebraJson.Event(2));
                await sink.JournaledAsync(1);
                Assert.Equal([2L], sink.Journal.Select(r => r.EventNum));
            }
            finally
            {
                if (!script.HasExited)
                {
                    script.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            await server.CtlAsync(["delete_user", user]);
        }
    }
}
