using Microsoft.AspNetCore.Http;

namespace Venue.OpsConsole.Security;

/// <summary>
/// Refuses a console request that changes something (anything but GET, HEAD and OPTIONS) when the
/// browser says another site's page sent it. The session cookie is SameSite=Strict, but "same site"
/// spans every port of a host (central on :5090 and the edges on :5080, :5081, a broker's web UI) and
/// sibling subdomains: a page on any of them could post an acknowledgement with the cookie attached.
/// Browsers say where a request comes from in <c>Sec-Fetch-Site</c> (trusted when present) or else
/// <c>Origin</c>; a request with neither (a tool, not a page) is let through. Answers to reads are
/// also marked not to be stored or sniffed: they name attendees.
/// </summary>
public sealed class SameOriginRequests : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
        {
            // Reads name attendees: for no cache to keep, nor to be read as anything but what they say.
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers.XContentTypeOptions = "nosniff";
        }
        else if (!HttpMethods.IsOptions(http.Request.Method) && FromAnotherOrigin(http.Request) is { } origin)
        {
            return ValueTask.FromResult<object?>(TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Cross-origin request",
                detail: $"The console takes changes only from its own page; this request came from {origin}."));
        }

        return next(context);
    }

    /// <summary>Where the request says it came from, when that is not this console's own origin; null otherwise.</summary>
    internal static string? FromAnotherOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            // "none": typed into the address bar or a bookmark; "same-origin": the console's own page.
            return site is "same-origin" or "none" ? null : $"a {site} page (Sec-Fetch-Site)";
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return null;
        }

        // Without Sec-Fetch-Site (older browsers): the Origin's host and port must be the one the request was sent to.
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            ? null
            : origin;
    }
}
