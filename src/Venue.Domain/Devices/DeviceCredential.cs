namespace Venue.Domain.Devices;

/// <summary>A registered device or user. Only a hash of its secret is ever stored.</summary>
public sealed record DeviceCredential(string Id, string Name, DeviceRole Role, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public bool IsActive => RevokedAt is null;
}
