using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Venue.Hosting.Http;
using Venue.OpsConsole.Model;

namespace Venue.OpsConsole.Security;

/// <summary>
/// Reads the body of <c>POST /console/session</c> by hand, as the scanner API reads a scan: model
/// binding answered a bad body with a problem that said nothing, and read a body of any size (the
/// endpoint is anonymous) before the server's own limit cut in.
/// </summary>
internal static class SessionRequests
{
    /// <summary>A token is about 60 characters: a few KB is room enough, and all an anonymous caller may make the silo hold.</summary>
    public const int MaxBodyBytes = 4 * 1024;

    private const string Expected = "Send {\"token\": \"vdt_...\"} (an ops device token) with Content-Type: application/json.";

    public static async Task<(SessionRequest? Body, ProblemHttpResult? Problem)> ReadAsync(HttpContext context)
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", Expected));
        }

        using var read = await BoundedBody.ReadAsync(context.Request, MaxBodyBytes);
        switch (read.Status)
        {
            case BodyRead.TooLarge:
                return (null, TooLarge());
            case BodyRead.Empty:
                return (null, Problem(StatusCodes.Status400BadRequest, "Malformed sign-in", $"The request has no body. {Expected}"));
        }

        try
        {
            var body = JsonSerializer.Deserialize(read.Bytes.Span, ConsoleJsonContext.Default.SessionRequest);
            // Unknown members are let through, so a misspelt "token" arrives as none: no guess at a token either.
            return body is null ? (null, Problem(StatusCodes.Status400BadRequest, "Malformed sign-in", $"The body is null. {Expected}"))
                : body.Token is null ? (null, Problem(StatusCodes.Status400BadRequest, "Malformed sign-in", $"The body has no \"token\". {Expected}"))
                : (body, null);
        }
        catch (JsonException e)
        {
            return (null, Problem(StatusCodes.Status400BadRequest, "Malformed sign-in", $"The body is not a JSON sign-in: {e.Message} {Expected}"));
        }
    }

    private static ProblemHttpResult TooLarge() =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"A sign-in is at most {MaxBodyBytes:N0} bytes. {Expected}");

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
