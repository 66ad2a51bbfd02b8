using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using RabbitMQ.Client;
using Venue.Messaging.Tests.Support;
using Venue.Testing;
using Venue.Testing.Processes;
using Venue.Testing.RabbitMq;
using Xunit.Abstractions;

namespace Venue.Messaging.Tests;

/// <summary>
/// Compose's broker entrypoint, silo-config/rabbitmq/start.sh, run for real: it starts the node (here
/// Debian's rabbitmq-server stands in for the image's docker-entrypoint.sh), makes the edge's user,
/// deletes guest, and only then reports ready. Its node is its own, not the shared fixture's.
/// </summary>
public sealed class BrokerStartScriptTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Start_sh_makes_the_edge_user_on_a_booted_node_and_deletes_guest_at_every_start()
    {
        var server = RabbitMqServer.TryCreate(out var unavailable);
        if (!OperatingSystem.IsLinux() || !Requirement.Met(server is not null, unavailable ?? "a RabbitMQ server", output)
            || !Requirement.Met(MosquittoReader.Executable is not null, "mosquitto_pub (mosquitto-clients)", output))
        {
            return;
        }

        await using var node = server!;
        using var directory = new TempDirectory();
        var bin = directory.File("bin");
        Directory.CreateDirectory(bin);
        var serverScript = await node.WriteServerScriptAsync(directory.File("rabbitmq-server.sh"));
        File.WriteAllText(Path.Combine(bin, "docker-entrypoint.sh"), $"#!/bin/sh\nexec '{serverScript}'\n");
        File.SetUnixFileMode(Path.Combine(bin, "docker-entrypoint.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        node.WriteCtlScript(Path.Combine(bin, "rabbitmqctl"));
        var state = directory.File("state");
        Directory.CreateDirectory(state);
        var readers = directory.File("readers");
        Directory.CreateDirectory(readers);
        var reader = $"fx-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";
        File.WriteAllText(Path.Combine(readers, reader + ".password"), Convert.ToHexString(RandomNumberGenerator.GetBytes(12)) + "\n");
        var edgePassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        var ready = Path.Combine(state, "venue-users-ready");

        await StartAsync(node, bin, state, readers, edgePassword, ready);

        // The edge's consumer logs in with the password start.sh was given.
        await using (var connection = await EdgeLogin(node, edgePassword).CreateConnectionAsync())
        {
            Assert.True(connection.IsOpen);
        }

        // A broker whose guest came back (the image makes it on a fresh volume; here an operator did):
        // the next start deletes it again.
        await node.CtlAsync(["add_user", "guest", "guest"]);
        await node.CtlAsync(["set_permissions", "-p", "/", "guest", ".*", ".*", ".*"]);
        Assert.True(await new MosquittoReader(node, "guest", "guest").TryPublishAsync("zebra/x/data", "{}"), "guest logs in before the restart");
        await node.KillAsync();
        File.Delete(ready);
        await StartAsync(node, bin, state, readers, edgePassword, ready);

        var users = await node.CtlAsync(["list_users"]);
        Assert.DoesNotContain("guest", users.Split('\n').Select(l => l.Split('\t')[0].Trim()));
        Assert.False(await new MosquittoReader(node, "guest", "guest").TryPublishAsync("zebra/x/data", "{}"), "guest still logs in over MQTT");
        // The reader logins follow in the background, after the ready mark.
        await Eventually.UntilAsync(async () => (await node.CtlAsync(["list_users"])).Contains(reader, StringComparison.Ordinal),
            StartLimit, $"start.sh to make the login of reader {reader}");
    }

    private async Task StartAsync(RabbitMqServer node, string bin, string state, string readers, string edgePassword, string ready)
    {
        var info = new ProcessStartInfo("sh", [RepositoryFiles.Path("silo-config", "rabbitmq", "start.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}",
                ["HOME"] = node.Home,
                ["VENUE_RABBITMQ_EDGE_PASSWORD"] = edgePassword,
                ["VENUE_READER_CREDENTIALS"] = readers,
                ["VENUE_RABBITMQ_STATE"] = state,
            },
        };
        var log = new StringBuilder();
        var script = new Process { StartInfo = info };
        script.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        script.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        script.Start();
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        node.Adopt(script);
        string Said()
        {
            lock (log)
            {
                return log.ToString();
            }
        }

        await Eventually.UntilAsync(() => Task.FromResult(File.Exists(ready) || script.HasExited), StartLimit,
            () => $"start.sh to mark the broker ready; it printed:\n{Said()}");
        if (script.HasExited)
        {
            Assert.Fail($"start.sh exited ({script.ExitCode}) instead of running the node:\n{Said()}");
        }

        output.WriteLine(Said());
    }

    private static ConnectionFactory EdgeLogin(RabbitMqServer node, string password) => new()
    {
        HostName = "127.0.0.1",
        Port = node.AmqpPort,
        UserName = "venue-edge",
        Password = password,
        AutomaticRecoveryEnabled = false,
    };
}
