using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Venue.Edge.ScannerApi;

/// <summary>
/// The 503 of a scan, read batch, lead or challenge the journal could not commit: nothing was
/// recorded, and the client sends the same request again (same nonce or event numbers).
/// </summary>
internal static class JournalUnavailable
{
    /// <summary>
    /// A full disk lasts until someone frees space, but a failed sync may pass at once; a second is
    /// what a scanner app or reader waits before its retry, rather than at once and again.
    /// </summary>
    public const int RetryAfterSeconds = 1;

    public static ProblemHttpResult Problem(HttpContext context, string title, string detail)
    {
        context.Response.Headers[HeaderNames.RetryAfter] = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: detail);
    }
}
