using Xunit;
using Xunit.Abstractions;

namespace Venue.Testing.RabbitMq;

/// <summary>
/// One RabbitMQ node for a whole test collection (use it as an xunit collection fixture; the
/// collection definition must live in the test assembly): a node takes 8 to 20 s to start, so tests
/// share it and keep apart by queue names of their own. When no node can start here,
/// <see cref="Unavailable"/> says why, and <see cref="Met"/> skips the test, or fails it when <c>CI=true</c>.
/// </summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    /// <summary>The running node, or null when none could start.</summary>
    public RabbitMqServer? Server { get; private set; }

    /// <summary>Why there is no node, or null when there is one.</summary>
    public string? Unavailable { get; private set; }

    public async Task InitializeAsync()
    {
        var server = RabbitMqServer.TryCreate(out var unavailable);
        if (server is null)
        {
            Unavailable = unavailable;
            return;
        }

        try
        {
            await server.StartAsync();
            Server = server;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            Unavailable = $"a RabbitMQ node that starts ({e.Message})";
            await server.DisposeAsync();
        }
    }

    /// <summary>True when the node runs; otherwise skips (or, under CI, fails) the calling test.</summary>
    public bool Met(ITestOutputHelper output) =>
        Requirement.Met(Server is not null, Unavailable ?? "a RabbitMQ server", output);

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
