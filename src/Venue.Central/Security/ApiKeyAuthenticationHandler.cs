using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Venue.Central.Security;

/// <summary>
/// Authenticates integrators' <c>Authorization: Bearer vak_{id}_{secret}</c> API keys. The key's
/// scopes become <see cref="ScopeClaim"/> claims (what <see cref="ApiKeyPolicies"/> check) and its
/// own rate limit a <see cref="RequestsPerMinuteClaim"/> claim (what <see cref="ApiKeyRateLimiterPolicy"/> reads).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyAuthenticator keys,
    ApiKeyThrottle throttle)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string ThrottledItem = "venue:api-key-throttled";

    public const string SchemeName = "ApiKey";
    public const string ScopeClaim = "scope";
    public const string RequestsPerMinuteClaim = "venue:requests_per_minute";
    public const string TokenPrefix = "vak_";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer vak_...'.");
        }

        var token = header["Bearer ".Length..].Trim();
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return AuthenticateResult.Fail("Not an integrator API key (they start with 'vak_').");
        }

        var address = Context.Connection.RemoteIpAddress;
        var wait = throttle.RetryAfter(address);
        var key = wait is null ? await keys.AuthenticateAsync(token, Context.RequestAborted) : keys.Cached(token);
        if (key is null)
        {
            if (wait is { } throttled)
            {
                Context.Items[ThrottledItem] = throttled;
                return AuthenticateResult.Fail(
                    $"{throttle.Allowed} API key checks from this address failed within {throttle.Window.TotalSeconds:0} s; try again in {Math.Ceiling(throttled.TotalSeconds):0} s.");
            }

            throttle.Failed(address);
            return AuthenticateResult.Fail("The API key is unknown or revoked.");
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, key.Id),
            new(ClaimTypes.Name, key.Name),
            new(RequestsPerMinuteClaim, key.RequestsPerMinute.ToString(CultureInfo.InvariantCulture)),
        };
        claims.AddRange(key.Scopes.Select(s => new Claim(ScopeClaim, s)));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        if (Context.Items[ThrottledItem] is TimeSpan wait)
        {
            Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            await WriteProblem(StatusCodes.Status429TooManyRequests, "Too many failed API key checks", failure!);
            return;
        }

        Response.Headers.WWWAuthenticate = failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        await WriteProblem(StatusCodes.Status401Unauthorized, "Authentication required",
            failure ?? "Send 'Authorization: Bearer vak_...' with an API key made by 'venue keys api create'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        // Name the scopes this endpoint needs, so the integrator knows which key to ask for.
        var needed = Context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>()
            .Select(a => ApiKeyPolicies.ScopeOf(a.Policy))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList() ?? [];
        var detail = needed.Count > 0
            ? $"This API key lacks the scope {string.Join(" and ", needed.Select(s => $"'{s}'"))}; make a key with it ('venue keys api create --scope {needed[0]}')."
            : "This API key may not use this endpoint.";
        return WriteProblem(StatusCodes.Status403Forbidden, "Missing scope", detail);
    }

    private Task WriteProblem(int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title).ExecuteAsync(Context);
}
