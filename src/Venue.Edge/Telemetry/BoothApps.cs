using System.Security.Claims;
using Venue.Domain.Devices;

namespace Venue.Edge.Telemetry;

/// <summary>
/// A booth app is a scanner credential named <c>booth:{boothId}</c>: it captures and exports the
/// leads of that booth and of no other. An exhibitor's leads (who, their rating, the notes) are theirs;
/// a gate scanner or another exhibitor's app must neither read them nor plant leads that earn points.
/// As a reader's credential is named after its reader. A booth app may do nothing else: it is
/// refused at gates and at challenge desks (<see cref="IsBoothApp"/>).
/// </summary>
public static class BoothApps
{
    public const string NamePrefix = "booth:";

    public static string CredentialName(string boothId) => NamePrefix + boothId;

    /// <summary>
    /// True for a booth app's credential (a scanner named <c>booth:...</c>). It is handed to an
    /// exhibitor, so it does nothing else a scanner may: no gate scans, no challenge completions.
    /// </summary>
    public static bool IsBoothApp(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.IsInRole(nameof(DeviceRole.Scanner))
            && user.FindFirstValue(ClaimTypes.Name) is { } name && name.StartsWith(NamePrefix, StringComparison.Ordinal);
    }

    /// <summary>True for a scanner credential named after this booth.</summary>
    public static bool MayCapture(ClaimsPrincipal user, string boothId)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.IsInRole(nameof(DeviceRole.Scanner))
            && string.Equals(user.FindFirstValue(ClaimTypes.Name), CredentialName(boothId), StringComparison.Ordinal);
    }
}
