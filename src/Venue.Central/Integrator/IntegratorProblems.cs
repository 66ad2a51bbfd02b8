using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Venue.Central.Registration;
using Venue.Hosting.Http;

namespace Venue.Central.Integrator;

/// <summary>RFC 9457 problem bodies for the integrator API, and reading small JSON bodies with their limits.</summary>
internal static class IntegratorProblems
{
    public static ProblemHttpResult Problem(int status, string title, string detail, IEnumerable<RowError>? errors = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (errors is not null)
        {
            problem.Extensions["errors"] = errors.Select(ToBody).ToList();
        }

        return TypedResults.Problem(problem);
    }

    public static RowErrorBody ToBody(RowError e) => new(e.Row, e.Line, e.Field, e.Message);

    public static ProblemHttpResult Invalid(string what, IReadOnlyList<RowError> errors) =>
        Problem(StatusCodes.Status400BadRequest, $"The {what} is invalid",
            $"Fix these fields: {string.Join(", ", errors.Select(e => e.Field ?? "(the body)").Distinct())}.", errors);

    public static ProblemHttpResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "Not found", detail);

    public static ProblemHttpResult Conflict(string detail) => Problem(StatusCodes.Status409Conflict, "Conflict", detail);

    public static ProblemHttpResult TooLarge(string detail) => Problem(StatusCodes.Status413PayloadTooLarge, "Too large", detail);

    public static ProblemHttpResult BadQuery(string parameter, string detail) =>
        Problem(StatusCodes.Status400BadRequest, "Bad query parameter", detail, [new RowError(null, null, parameter, detail)]);

    public static ProblemHttpResult UnsupportedMediaType(string detail) =>
        Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", detail);

    /// <summary>Reads a JSON body of at most <paramref name="limit"/> bytes: 415 if it is not declared JSON, 413 over the limit, 400 when it does not parse.</summary>
    public static async Task<(JsonElement Body, ProblemHttpResult? Problem)> ReadJsonAsync(HttpContext context, int limit)
    {
        if (!context.Request.HasJsonContentType())
        {
            return (default, UnsupportedMediaType("Send the body as JSON with 'Content-Type: application/json'."));
        }

        using var read = await BoundedBody.ReadAsync(context.Request, limit);
        switch (read.Status)
        {
            case BodyRead.TooLarge:
                return (default, TooLarge($"The body is over the limit of {limit:N0} bytes."));
            case BodyRead.Empty:
                return (default, Problem(StatusCodes.Status400BadRequest, "Empty body", "The request has no body; send a JSON object."));
        }

        try
        {
            // A UTF-8 byte order mark (Windows tools write one) is skipped, as imports skip it.
            var bytes = read.Bytes;
            var start = bytes.Span.StartsWith("\uFEFF"u8) ? 3 : 0;
            using var document = JsonDocument.Parse(bytes[start..]);
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            return (default, Problem(StatusCodes.Status400BadRequest, "Malformed JSON", $"The body is not valid JSON: {e.Message}"));
        }
    }
}
