using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Venue.Domain.Devices;
using Venue.Hosting.OpenApi;
using Venue.Hosting.Security;

namespace Venue.OpsConsole.Security;

/// <summary>
/// How ops users reach the console. A browser's EventSource cannot send an Authorization header, so
/// the page asks once for an ops device token and trades it (<c>POST /console/session</c>) for a
/// session cookie: HttpOnly (scripts never see it), SameSite=Strict (no other site's page can use
/// it), scoped to <c>/console</c>, 12 hours sliding but never past 12 hours from sign-in (<see cref="ConsoleSessions"/>), named after the silo (<see cref="CookieNameFor"/>). Tools may keep sending the bearer token instead.
/// A session ends when the token behind it is revoked. The keys that protect session cookies live in
/// the silo's data directory (<see cref="KeysDirectory"/>), so a restarted edge or central, or a
/// recreated container with its data volume, keeps its ops users signed in.
/// </summary>
public static class ConsoleAuthentication
{
    public const string Scheme = "VenueConsole";
    public const string Policy = "console";
    /// <summary>The start of every silo's session cookie name; the silo's id follows (<see cref="CookieNameFor"/>).</summary>
    public const string CookiePrefix = "venue_console_";
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);

    /// <summary>Where under a silo's data directory the session cookie keys are kept (XML, not encrypted at rest: the directory is the process user's alone).</summary>
    public const string KeysDirectory = "console-keys";

    /// <param name="dataDirectory">The silo's data directory, resolved once the options are bound.</param>
    /// <param name="siloId">The silo's id (edge id, or central's silo id), resolved once the options are bound: it names the cookie.</param>
    public static IServiceCollection AddConsoleAuthentication(this IServiceCollection services, Func<IServiceProvider, string> dataDirectory,
        Func<IServiceProvider, string> siloId)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        ArgumentNullException.ThrowIfNull(siloId);
        services.AddDataProtection().SetApplicationName("venue-console");
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((keys, provider) =>
            keys.XmlRepository = new FileSystemXmlRepository(PrivateDirectory(Path.Combine(dataDirectory(provider), KeysDirectory)),
                provider.GetRequiredService<ILoggerFactory>()));

        services.AddSingleton(provider => new ConsoleSessions(
            PrivateDirectory(Path.Combine(dataDirectory(provider), KeysDirectory)).FullName, provider.GetRequiredService<TimeProvider>()));
        services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            // Consoles are used over plain HTTP on a venue LAN as often as behind TLS.
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.Cookie.Path = "/console";
            cookie.ExpireTimeSpan = SessionLifetime;
            cookie.SlidingExpiration = true;
            // An API, not pages: no redirects. The device token scheme, challenged with this one, writes the 401/403 problem.
            cookie.Events.OnRedirectToLogin = context => SetStatus(context.Response, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => SetStatus(context.Response, StatusCodes.Status403Forbidden);
            cookie.Events.OnRedirectToLogout = _ => Task.CompletedTask;
            cookie.Events.OnRedirectToReturnUrl = _ => Task.CompletedTask;
            cookie.Events.OnValidatePrincipal = EndRevokedSessionsAsync;
        });
        // Cookies ignore ports: central and the edges on one host (:5090, :5080, :5081) would share one
        // cookie name, and each silo's keys cannot read another's ticket, so signing in to one signed
        // the others out. Each silo's cookie carries its id.
        services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IServiceProvider>((cookie, provider) =>
            cookie.Cookie.Name = CookieNameFor(siloId(provider)));
        services.AddOpenApiSecurityScheme(Scheme, provider => new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = provider.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(Scheme).Cookie.Name,
            Description = "The console's session cookie, set by POST /console/session in exchange for an ops device token.",
        });
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(DeviceTokenAuthenticationHandler.SchemeName, Scheme)
            .RequireRole(nameof(DeviceRole.Ops)));
        return services;
    }

    /// <summary>
    /// The session cookie's name for a silo: <see cref="CookiePrefix"/> and its id, every character
    /// outside letters, digits, '-', '.' and '_' (the cookie-name characters kept safe everywhere) as '_'.
    /// </summary>
    public static string CookieNameFor(string siloId)
    {
        ArgumentException.ThrowIfNullOrEmpty(siloId);
        return CookiePrefix + string.Create(siloId.Length, siloId, static (span, id) =>
        {
            for (var i = 0; i < id.Length; i++)
            {
                var c = id[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '_';
            }
        });
    }

    /// <summary>The principal a session carries: the credential's id, name and role, as the bearer scheme makes it, and the session's own claims.</summary>
    public static ClaimsPrincipal Principal(DeviceCredential credential, IEnumerable<Claim> session)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(session);
        return new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, credential.Id),
            new Claim(ClaimTypes.Name, credential.Name),
            new Claim(ClaimTypes.Role, credential.Role.ToString()),
            .. session,
        ], Scheme));
    }

    /// <summary>Who acknowledged something, as stored with the acknowledgement.</summary>
    public static string Who(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return $"ops:{user.FindFirstValue(ClaimTypes.Name)} ({user.FindFirstValue(ClaimTypes.NameIdentifier)})";
    }

    private static DirectoryInfo PrivateDirectory(string path) =>
        OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(path)
            : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

    private static Task SetStatus(HttpResponse response, int status)
    {
        if (!response.HasStarted)
        {
            response.StatusCode = status;
        }

        return Task.CompletedTask;
    }

    private static async Task EndRevokedSessionsAsync(CookieValidatePrincipalContext context)
    {
        var id = context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var store = context.HttpContext.RequestServices.GetRequiredService<IDeviceCredentialStore>();
        var sessions = context.HttpContext.RequestServices.GetRequiredService<ConsoleSessions>();
        if (id is null || context.Principal is not { } principal || !sessions.IsOpen(principal)
            || !(await store.ListAsync(context.HttpContext.RequestAborted)).Any(c => c.Id == id && c.IsActive && c.Role == DeviceRole.Ops))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }
}
