using System.Security.Claims;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Venue.Domain.Devices;
using Venue.Edge.OpsConsole;
using Venue.Edge.ScannerApi;
using Venue.Hosting.OpenApi;
using Venue.Hosting.ReverseProxy;
using Venue.Hosting.Security;
using Venue.Edge.Silo;
using Venue.Edge.Sync;
using Venue.Edge.Telemetry;
using Venue.Storage.Sqlite;

namespace Venue.Edge;

public static class EdgeHostExtensions
{
    /// <summary>Registers the edge silo, its uplink to central (when Edge:Central:Url is set), device authentication, per-device rate limits and the OpenAPI document.</summary>
    public static IHostApplicationBuilder AddVenueEdge(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EdgeSiloOptions>()
            .BindConfiguration(EdgeSiloOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Gates.Select(g => g.Id).Distinct(StringComparer.Ordinal).Count() == o.Gates.Count, "Gate ids must be unique.")
            .Validate(o => o.Gates.All(g => !string.IsNullOrWhiteSpace(g.Id) && !string.IsNullOrWhiteSpace(g.Name)), "Every gate needs an Id and a Name.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<EdgeSiloOptions>, CentralSyncValidation>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EdgeSiloService>();
        services.AddHostedService(sp => sp.GetRequiredService<EdgeSiloService>());
        // After the silo's: hosted services start in order and stop in reverse, so the uplink stops first.
        services.AddHostedService<CentralSyncService>();
        services.AddSingleton<ReaderQueueService>();
        services.AddHostedService(sp => sp.GetRequiredService<ReaderQueueService>());
        services.AddSingleton<IDeviceCredentialStore>(sp =>
            new SqliteDeviceCredentialStore(sp.GetRequiredService<IOptions<EdgeSiloOptions>>().Value.DevicesPath, sp.GetRequiredService<TimeProvider>()));

        services.AddProblemDetails();
        services.AddAuthentication(DeviceTokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, DeviceTokenAuthenticationHandler>(DeviceTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddVenuePolicies();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, _) =>
            {
                // The token bucket says when the next token comes (a second at most).
                var seconds = RetryAfter.Set(context, fallbackSeconds: 1);
                return new ValueTask(Results.Problem(statusCode: 429, title: "Too many requests",
                    detail: $"This credential sends more scans per second than the edge allows (Edge:ScansPerSecondPerDevice); retry in {seconds} s.")
                    .ExecuteAsync(context.HttpContext));
            };
            limiter.AddPolicy(ScannerEndpoints.RateLimitPolicy, context =>
            {
                var perSecond = context.RequestServices.GetRequiredService<IOptions<EdgeSiloOptions>>().Value.ScansPerSecondPerDevice;
                var device = context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "anonymous";
                return RateLimitPartition.GetTokenBucketLimiter(device, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perSecond,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
        });
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ScannerJsonContext.Default);
            json.SerializerOptions.TypeInfoResolverChain.Insert(1, TelemetryJsonContext.Default);
            // The context's own options do not apply when it serves as a resolver for these: omit
            // nulls here too, as the wire format says (no "attendee" when the badge names nobody).
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        services.AddOpenApiSecurityScheme(DeviceTokenAuthenticationHandler.SchemeName, _ => SecurityRequirements.Bearer("vdt_...",
            "A device token from 'venue edge devices add --role scanner|reader|ops --name NAME' (a booth app's is a scanner named booth:{boothId})."));
        services.AddOpenApi("v1", openApi => openApi.DescribeAuthProblems().DescribeSecurity().DescribeOmittedNulls()
            .DescribeProblemErrors(typeof(Dictionary<string, string[]>), "On a 400 for an invalid body: each field at fault and what is wrong with it."));
        builder.AddEdgeConsole();
        builder.AddVenueReverseProxy();
        return builder;
    }

    /// <summary>Maps the scanner API, health and the OpenAPI document (at /openapi/v1.json).</summary>
    public static WebApplication MapVenueEdge(this WebApplication app)
    {
        app.UseVenueReverseProxy();
        ScanTiming.UseScanTiming(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapEdgeHealth();
        app.MapScannerApi();
        app.MapTelemetryApi();
        app.MapOpenApi().AllowAnonymous();
        app.MapEdgeConsole();
        return app;
    }
}
