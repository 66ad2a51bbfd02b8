using System.Diagnostics;
using System.Globalization;
using System.Text;
using Venue.Testing.Processes;
using Venue.Testing.RabbitMq;

namespace Venue.Messaging.Tests.Support;

/// <summary>
/// A real RFID reader as far as the broker can tell: mosquitto_pub at QoS 1 over MQTT 3.1.1, logged in
/// as the test user. mosquitto_pub exits 0 only after every message got its PUBACK, so a successful
/// publish is one the broker has taken responsibility for. Another login can be given.
/// </summary>
public sealed class MosquittoReader(RabbitMqServer server, string? user = null, string? password = null)
{
    public static string? Executable => Venue.Testing.RabbitMq.MosquittoTools.Publisher;

    /// <summary>Publishes one message to <paramref name="topic"/> (e.g. <c>zebra/r1/data</c>).</summary>
    public Task PublishAsync(string topic, string message, CancellationToken cancellationToken = default) =>
        RunAsync(["-t", topic, "-m", message], null, cancellationToken);

    /// <summary>Publishes each line as one message (<c>-l</c>), as a reader replaying its buffer would.</summary>
    public Task PublishLinesAsync(string topic, IEnumerable<string> lines, CancellationToken cancellationToken = default) =>
        RunAsync(["-t", topic, "-l"], lines, cancellationToken);

    /// <summary>Publishes one message, reporting failure (the broker is down, no PUBACK) instead of throwing.</summary>
    public async Task<bool> TryPublishAsync(string topic, string message, int qos = 1, CancellationToken cancellationToken = default)
    {
        var (exitCode, _) = await RunCoreAsync(["-t", topic, "-m", message, "-q", qos.ToString(CultureInfo.InvariantCulture)], null, cancellationToken);
        return exitCode == 0;
    }

    private async Task RunAsync(IReadOnlyList<string> arguments, IEnumerable<string>? lines, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunCoreAsync(arguments, lines, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_pub {string.Join(' ', arguments)} failed ({exitCode}): {output}");
        }
    }

    private async Task<(int ExitCode, string Output)> RunCoreAsync(IReadOnlyList<string> arguments, IEnumerable<string>? lines, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("mosquitto_pub is not installed"))
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["-h", "127.0.0.1", "-p", server.MqttPort.ToString(CultureInfo.InvariantCulture),
            "-u", user ?? RabbitMqServer.User, "-P", password ?? server.Password, "-V", "mqttv311", .. (arguments.Contains("-q") ? arguments : ["-q", "1", .. arguments])])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (lines is not null)
        {
            foreach (var line in lines)
            {
                await process.StandardInput.WriteLineAsync(line.AsMemory(), cancellationToken);
            }
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(cancellationToken).Within(TimeSpan.FromSeconds(60), $"mosquitto_pub {string.Join(' ', arguments)} to finish");
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw;
        }

        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString().Trim());
    }
}
