using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Venue.Hosting.OpenApi;

/// <summary>
/// Lists <c>401</c> and <c>403</c> problem answers on every operation that requires authorization:
/// the authentication handlers and policies answer them before the endpoint runs, so no endpoint's
/// own results say so, and a group-wide <c>RequireAuthorization</c> is easily left out of the document.
/// </summary>
public static class AuthProblemResponses
{
    public static OpenApiOptions DescribeAuthProblems(this OpenApiOptions options)
    {
        options.AddOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
            {
                return;
            }

            var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken);
            operation.Responses ??= [];
            foreach (var (status, description) in new[] { (StatusCodes.Status401Unauthorized, "No valid credential."), (StatusCodes.Status403Forbidden, "The credential's role or scope does not allow this.") })
            {
                operation.Responses.TryAdd(status.ToString(CultureInfo.InvariantCulture), new OpenApiResponse
                {
                    Description = description,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
                });
            }
        });
        return options;
    }
}
