using Venue.Domain.Devices;
using Venue.Runtime.Storage;

namespace Venue.Domain.Central;

/// <summary>
/// Central's storage: PostgreSQL in production, SQLite as the embedded default. Both implementations
/// pass one conformance suite (tests/Venue.Storage.Tests/Central).
/// </summary>
public interface ICentralStore : IRegistrationStore, ICheckInStore, IConflictStore, ISiloStore, IApiKeyStore, IWebhookStore, IAsyncDisposable
{
    /// <summary>Which store this is ("postgres" or "sqlite"), for logs and status.</summary>
    string Kind { get; }

    /// <summary>Creates or upgrades the schema to the version this build knows; safe to run repeatedly and concurrently.</summary>
    Task<int> MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>Grain state rows keyed by grain type and key, with a version as etag.</summary>
    IGrainStorage GrainStorage { get; }

    /// <summary>Edge and ops user credentials (edges authenticate their sync calls with these).</summary>
    IDeviceCredentialStore Devices { get; }

    /// <summary>
    /// Makes this process the one central on the store (see <see cref="ICentralClaim"/>); an
    /// <see cref="InvalidOperationException"/> saying so when another central holds it. The command
    /// line's one-off commands (migrate, devices, keys) do not claim: they run beside a central.
    /// </summary>
    Task<ICentralClaim> ClaimAsync(CancellationToken cancellationToken = default);

    /// <summary>The event this central runs (id and name), created by the first migrate or registration.</summary>
    Task EnsureEventAsync(string eventId, string name, DateTimeOffset at, CancellationToken cancellationToken = default);
}
