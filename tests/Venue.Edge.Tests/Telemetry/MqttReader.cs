using System.Diagnostics;
using System.Globalization;
using Venue.Testing.RabbitMq;

namespace Venue.Edge.Tests.Telemetry;

/// <summary>
/// An RFID reader publishing over MQTT as production readers do: <c>mosquitto_pub -q 1</c> (MQTT 3.1.1)
/// to the broker's MQTT plugin, logged in with a real user. mosquitto_pub exits 0 only once every
/// message has its PUBACK, so a clean exit means the broker holds every line it was given.
/// </summary>
public sealed class MqttReader(RabbitMqServer broker)
{
    public static string? Executable => MosquittoTools.Publisher;

    /// <summary>Publishes one message at QoS 1; fails the test unless the broker acknowledged it.</summary>
    public Task PublishAsync(string topic, string message) => RunAsync(["-t", topic, "-m", message], null);

    /// <summary>Publishes each line as one message at QoS 1 (<c>-l</c>); fails the test unless all were acknowledged.</summary>
    public Task PublishLinesAsync(string topic, IReadOnlyList<string> lines) => RunAsync(["-t", topic, "-l"], lines);

    /// <summary>
    /// As <see cref="PublishLinesAsync(string, IReadOnlyList{string})"/>, but only the first <paramref name="holdAt"/>
    /// lines go at once; the rest wait for <paramref name="release"/>, then follow one every <paramref name="pace"/>,
    /// so that something can happen while the reader is still publishing.
    /// </summary>
    public Task PublishLinesAsync(string topic, IReadOnlyList<string> lines, int holdAt, Task release, TimeSpan pace) =>
        RunAsync(["-t", topic, "-l"], lines, holdAt, release, pace);

    private async Task RunAsync(IReadOnlyList<string> arguments, IReadOnlyList<string>? lines, int holdAt = int.MaxValue, Task? release = null,
        TimeSpan pace = default)
    {
        var info = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("mosquitto_pub is not installed"))
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] all = ["-h", "127.0.0.1", "-p", broker.MqttPort.ToString(CultureInfo.InvariantCulture), "-u", RabbitMqServer.User, "-P", broker.Password,
            "-V", "mqttv311", "-q", "1", .. arguments];
        foreach (var argument in all)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var written = 0;
        foreach (var line in lines ?? [])
        {
            if (written++ == holdAt && release is not null)
            {
                await process.StandardInput.FlushAsync();
                await release.WaitAsync(TimeSpan.FromSeconds(60));
            }

            await process.StandardInput.WriteLineAsync(line);
            if (written > holdAt && pace > TimeSpan.Zero)
            {
                await process.StandardInput.FlushAsync();
                await Task.Delay(pace);
            }
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync().Within(TimeSpan.FromSeconds(60), $"mosquitto_pub {string.Join(' ', arguments)} ({lines?.Count ?? 1} messages) to be acknowledged");
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw;
        }

        var output = (await stdout + await stderr).Trim();
        Assert.True(process.ExitCode == 0, $"mosquitto_pub {string.Join(' ', arguments)} exited {process.ExitCode}: {output}");
    }
}
