using Microsoft.AspNetCore.Authorization;
using Venue.Domain.Devices;

namespace Venue.Hosting.Security;

/// <summary>Authorization policies by device role.</summary>
public static class VenuePolicies
{
    public const string Scanner = "scanner";
    public const string Ops = "ops";
    public const string Edge = "edge";

    public static AuthorizationBuilder AddVenuePolicies(this AuthorizationBuilder builder) => builder
        .AddPolicy(Scanner, p => p.AddAuthenticationSchemes(DeviceTokenAuthenticationHandler.SchemeName).RequireRole(nameof(DeviceRole.Scanner)))
        .AddPolicy(Ops, p => p.AddAuthenticationSchemes(DeviceTokenAuthenticationHandler.SchemeName).RequireRole(nameof(DeviceRole.Ops)))
        .AddPolicy(Edge, p => p.AddAuthenticationSchemes(DeviceTokenAuthenticationHandler.SchemeName).RequireRole(nameof(DeviceRole.Edge)));
}
