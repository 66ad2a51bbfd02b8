using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Venue.Domain.Devices;
using Venue.OpsConsole.Feed;
using Venue.OpsConsole.Security;

namespace Venue.Console.Tests.Feed;

public sealed class EventStreamResultTests
{
    [Fact]
    public async Task A_stream_still_ends_on_revocation_after_its_credential_check_once_failed_to_read_the_store()
    {
        // The store cannot be read once (its database restarting), then the token is revoked.
        var store = new FailingOnce();
        var services = new ServiceCollection()
            .AddSingleton<IDeviceCredentialStore>(store)
            .AddSingleton(TimeProvider.System)
            .AddSingleton<OpsCredentialCheck>()
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(Options.Create(new LiveFeedOptions { CredentialCheck = TimeSpan.FromMilliseconds(20) }))
            .AddSingleton<LiveFeed>();
        await using var provider = services.BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = provider };
        context.Response.Body = new MemoryStream();
        context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "ops-1")], "test"));
        using var aborted = new CancellationTokenSource();
        context.RequestAborted = aborted.Token;

        var stream = new EventStreamResult(provider.GetRequiredService<LiveFeed>(), null, false).ExecuteAsync(context);
        await Eventually.UntilAsync(() => Task.FromResult(store.Reads >= 2), Signal.Limit, "the check to read the store again after it failed");
        Assert.False(stream.IsCompleted, "the stream went on while its token was active");
        store.Revoke();

        var ended = await Task.WhenAny(stream, Task.Delay(TimeSpan.FromSeconds(15))) == stream;
        await aborted.CancelAsync(); // ends it either way, so the test leaves nothing running
        await stream;
        Assert.True(ended, "the revoked token's stream did not end: a failed read had stopped its checks");
    }

    private sealed class FailingOnce : IDeviceCredentialStore
    {
        private int _reads;
        private volatile bool _revoked;

        public int Reads => Volatile.Read(ref _reads);

        public void Revoke() => _revoked = true;

        public Task<IReadOnlyList<DeviceCredential>> ListAsync(CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _reads) == 1
                ? throw new IOException("database restarting (injected by the test)")
                : Task.FromResult<IReadOnlyList<DeviceCredential>>(
                    [new DeviceCredential("ops-1", "desk", DeviceRole.Ops, DateTimeOffset.UtcNow, _revoked ? DateTimeOffset.UtcNow : null)]);

        public Task<(DeviceCredential Credential, string Token)> CreateAsync(string name, DeviceRole role, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<bool> RevokeAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<DeviceCredential?> AuthenticateAsync(string token, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
