using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Venue.Central.Integrator;
using Venue.Central.OpsConsole;
using Venue.Central.Silo;
using Venue.Central.Sync;
using Venue.Domain.Devices;
using Venue.Domain.Sync;
using Venue.Hosting.OpenApi;
using Venue.Hosting.ReverseProxy;
using Venue.Hosting.Security;

namespace Venue.Central;

public static class CentralHostExtensions
{
    /// <summary>Registers the central silo, edge and ops authentication, the sync API's JSON, the integrator API and the OpenAPI documents.</summary>
    public static IHostApplicationBuilder AddVenueCentral(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CentralOptions>()
            .BindConfiguration(CentralOptions.Section)
            .Validate(o => o.Problems().Count == 0, "The Central section is invalid; run 'venue central' for the list of problems.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CentralSiloService>();
        services.AddHostedService(sp => sp.GetRequiredService<CentralSiloService>());
        services.AddSingleton(sp => sp.GetRequiredService<CentralSiloService>().Silo);
        services.AddSingleton<IDeviceCredentialStore>(sp => sp.GetRequiredService<CentralSilo>().Store.Devices);

        services.AddProblemDetails();
        services.AddExceptionHandler<StoreUnavailableHandler>();
        services.AddAuthentication(DeviceTokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, DeviceTokenAuthenticationHandler>(DeviceTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddVenuePolicies();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, SyncJsonContext.Default);
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        services.AddOpenApiSecurityScheme(DeviceTokenAuthenticationHandler.SchemeName, _ => SecurityRequirements.Bearer("vdt_...",
            "A device token from 'venue central devices add': an edge's sync token (named after its EdgeId, role edge) or an ops user's (--role ops)."));
        services.AddOpenApi("v1", openApi => openApi.DescribeAuthProblems().DescribeSecurity().DescribeOmittedNulls());
        services.AddIntegratorApi();
        builder.AddCentralConsole();
        builder.AddVenueReverseProxy();
        return builder;
    }

    /// <summary>Maps health, the sync API for edges, the integrator API (/v1/...) and the OpenAPI documents.</summary>
    public static WebApplication MapVenueCentral(this WebApplication app)
    {
        app.UseVenueReverseProxy();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapCentralHealth();
        app.MapSyncApi();
        app.MapIntegratorApi();
        app.MapOpenApi().AllowAnonymous();
        app.MapCentralConsole();
        return app;
    }

    /// <summary>
    /// Anonymous, for load balancers and health checks, so it says only that central is up: central
    /// faces the WAN, and how many people are inside is for keys with <c>stats:read</c> (<c>/v1/stats</c>).
    /// </summary>
    public static IEndpointRouteBuilder MapCentralHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (CentralSilo silo) => TypedResults.Ok(new
        {
            status = "ok",
            siloId = silo.Options.SiloId,
            store = silo.Store.Kind,
        })).WithTags("Health").AllowAnonymous();
        return app;
    }
}
