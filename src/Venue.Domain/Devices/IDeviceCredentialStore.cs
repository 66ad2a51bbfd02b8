namespace Venue.Domain.Devices;

/// <summary>Where device credentials live (the edge's data directory, or central's database).</summary>
public interface IDeviceCredentialStore
{
    /// <summary>Registers a device and returns its token, shown once and never stored.</summary>
    Task<(DeviceCredential Credential, string Token)> CreateAsync(string name, DeviceRole role, CancellationToken cancellationToken = default);

    Task<bool> RevokeAsync(string id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DeviceCredential>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>The active credential the token belongs to, or null.</summary>
    Task<DeviceCredential?> AuthenticateAsync(string token, CancellationToken cancellationToken = default);
}
