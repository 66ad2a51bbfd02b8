namespace Venue.Domain.Devices;

/// <summary>What a credential may do. Scanners scan; readers publish RFID reads; ops watch and steer.</summary>
public enum DeviceRole
{
    Scanner,
    Reader,
    Ops,
    /// <summary>An edge silo syncing with central.</summary>
    Edge,
}
