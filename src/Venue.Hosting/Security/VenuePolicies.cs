using Microsoft.AspNetCore.Authorization;
using Venue.Domain.Devices;

namespace Venue.Hosting.Security;

/// <summary>Authorization policies by device role.</summary>
public static class VenuePolicies
{
    public const string Scanner = "scanner";
    public const string Ops = "ops";
    public const string Edge = "edge";

    /// <summary>RFID readers posting reads over HTTP.</summary>
    public const string Reader = "reader";

    /// <summary>People working the floor: scanner devices (booth apps) and ops users.</summary>
    public const string Staff = "staff";

    public static AuthorizationBuilder AddVenuePolicies(this AuthorizationBuilder builder) => builder
        .AddPolicy(Scanner, p => p.AddAuthenticationSchemes(DeviceTokenAuthenticationHandler.SchemeName).RequireRole(nameof(DeviceRole.Scanner)))
        .AddPolicy(Ops, p => p.AddAuthenticationSchemes(DeviceTokenAuthenticationHandler.SchemeName).RequireRole(nameof(DeviceRole.Ops)))
        .AddPolicy(Edge, p => p.AddAuthenticationSchemes(DeviceTokenAuthenticationHandler.SchemeName).RequireRole(nameof(DeviceRole.Edge)))
        .AddPolicy(Reader, p => p.AddAuthenticationSchemes(DeviceTokenAuthenticationHandler.SchemeName).RequireRole(nameof(DeviceRole.Reader)))
        .AddPolicy(Staff, p => p.AddAuthenticationSchemes(DeviceTokenAuthenticationHandler.SchemeName)
            .RequireRole(nameof(DeviceRole.Scanner), nameof(DeviceRole.Ops)));
}
