using System.Buffers.Text;
using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Venue.Central.Registration;
using Venue.Central.Security;
using Venue.Central.Silo;
using Venue.Hosting.OpenApi;
using Venue.Central.Tickets;
using Venue.Central.Webhooks;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Tickets;

namespace Venue.Central.Integrator;

/// <summary>
/// The integrator API, version 1: attendees and their tickets, the check-in export, conflicts, silos,
/// statistics and webhooks, for API keys with the right scopes. Written down in docs/integrator-api.md.
/// </summary>
public static class IntegratorEndpoints
{
    public const string DocumentName = "integrator-v1";
    private const string ImportContentTypes = "'application/json' (an array of attendee objects) or 'text/csv' (a header row, then one attendee per row)";

    /// <summary>
    /// Registers API key authentication, the scope policies, the per-key rate limiter, the
    /// registry, the webhook dispatcher and the OpenAPI document. Needs the central silo registered
    /// (<see cref="CentralSiloService"/>), and in the pipeline, in this order:
    /// <c>UseAuthentication()</c>, <c>UseAuthorization()</c>, <c>UseRateLimiter()</c>.
    /// </summary>
    public static IServiceCollection AddIntegratorApi(this IServiceCollection services)
    {
        // A second call would add the ApiKey scheme twice, which throws at start.
        if (services.Any(d => d.ServiceType == typeof(AttendeeRegistry)))
        {
            return services;
        }

        services.AddOptions<IntegratorOptions>().BindConfiguration(IntegratorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WebhookDispatcherOptions>().BindConfiguration(WebhookDispatcherOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => sp.GetRequiredService<CentralSiloService>().Silo);

        // Resolved at the first request, after the silo has started.
        services.AddSingleton(sp =>
        {
            var silo = sp.GetRequiredService<CentralSilo>();
            return new AttendeeRegistry(silo.Store, silo.Event.EventId, silo.Event.TicketTypes, silo.Event.SigningKey, silo.Outbox, silo.Time, silo.LedgerChanged);
        });
        services.AddSingleton(sp => new ApiKeyAuthenticator(sp.GetRequiredService<CentralSilo>().Store, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ApiKeyThrottle>();
        services.AddHostedService(WebhookDispatcher.ForCentral);

        services.AddProblemDetails();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddApiKeyPolicies();
        services.AddOpenApiSecurityScheme(ApiKeyAuthenticationHandler.SchemeName, _ => SecurityRequirements.Bearer("vak_{id}_{secret}",
            "An integrator API key from 'venue keys api create --name NAME --scope SCOPE' on central's machine; each operation lists the scope it needs."));
        services.AddRateLimiter(limiter => limiter.AddPolicy(ApiKeyRateLimiterPolicy.Name, new ApiKeyRateLimiterPolicy()));
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, IntegratorJsonContext.Default));
        services.AddOpenApi(DocumentName, openApi =>
        {
            openApi.ShouldInclude = description => description.GroupName == DocumentName;
            openApi.DescribeAuthProblems().DescribeSecurity().DescribeOmittedNulls()
                .DescribeProblemErrors(typeof(IReadOnlyList<RowErrorBody>), "On a 400 or 422 whose fields or rows are at fault: which, and what is wrong.");
            openApi.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Venue integrator API",
                    Version = "1",
                    Description = "Attendees, tickets, check-ins, conflicts, silos, statistics and webhooks. Authenticate with 'Authorization: Bearer vak_...'. See docs/integrator-api.md.",
                };
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>Maps <c>/v1/...</c> and the OpenAPI document at <c>GET /v1/openapi.json</c>.</summary>
    public static IEndpointRouteBuilder MapIntegratorApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/v1/openapi.json", WriteOpenApiAsync).AllowAnonymous().ExcludeFromDescription();

        var api = endpoints.MapGroup("/v1")
            .WithGroupName(DocumentName)
            .RequireAuthorization(ApiKeyPolicies.AnyKey)
            .RequireRateLimiting(ApiKeyRateLimiterPolicy.Name)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        var attendees = api.MapGroup("/attendees").WithTags("Attendees");
        attendees.MapPost("/", RegisterAsync).RequireAuthorization(ApiKeyPolicies.For(ApiScope.AttendeesWrite))
            .DescribeBody(typeof(AttendeeRequestBody), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Register one attendee (a walk-in)")
            .WithDescription("Validates, signs a badge and stores the attendee; edges get it with their next ledger change. Without an id, central chooses one.");
        attendees.MapPost("/import", ImportAsync).RequireAuthorization(ApiKeyPolicies.For(ApiScope.AttendeesWrite))
            .DescribeBody(("application/json", typeof(IReadOnlyList<AttendeeRequestBody>)), ("text/csv", typeof(string)))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Import attendees from JSON or CSV")
            .WithDescription("Good rows are stored in one transaction, bad rows are reported with row, line and field. Nothing is stored when the document cannot be read or is over a limit (413).");
        attendees.MapGet("/{id}", GetAsync).RequireAuthorization(ApiKeyPolicies.For(ApiScope.AttendeesRead))
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("An attendee, with their current badge token");
        attendees.MapPatch("/{id}", UpdateAsync).RequireAuthorization(ApiKeyPolicies.For(ApiScope.AttendeesWrite))
            .DescribeBody(typeof(AttendeePatchBody), "application/json", "application/merge-patch+json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Change an attendee")
            .WithDescription("Only the fields sent change; null clears an optional field. A new ticket type or validity window issues a new badge and revokes the old token.");
        attendees.MapPost("/{id}/revoke", RevokeAsync).RequireAuthorization(ApiKeyPolicies.For(ApiScope.AttendeesWrite))
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Revoke an attendee and their badge");
        attendees.MapGet("/{id}/ticket.png", TicketPngAsync).RequireAuthorization(ApiKeyPolicies.For(ApiScope.AttendeesRead))
            .DescribeFileResponse("image/png", "The badge's QR code.", binary: true)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("The badge as a QR code, PNG");
        attendees.MapGet("/{id}/ticket.svg", TicketSvgAsync).RequireAuthorization(ApiKeyPolicies.For(ApiScope.AttendeesRead))
            .DescribeFileResponse("image/svg+xml", "The badge's QR code.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("The badge as a QR code, SVG");

        api.MapGet("/checkins", ExportCheckIns).WithTags("Check-ins").RequireAuthorization(ApiKeyPolicies.For(ApiScope.CheckInsRead))
            // One call with every type: a response is kept per status code, so a second Produces(200) replaced
            // the first. Without a response type the document lists no content; the transformer adds each type's shape.
            .Produces(StatusCodes.Status200OK, contentType: "application/json", additionalContentTypes: ["application/x-ndjson", "text/csv"])
            .AddOpenApiOperationTransformer(CheckInExportResponse)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Export check-ins after a cursor, streamed")
            .WithDescription("format=json (default), ndjson or csv. Resume with after= the last feedId received; Venue-Feed-High-Water is the newest feed id when the export began.");

        var conflicts = api.MapGroup("/conflicts").WithTags("Conflicts").RequireAuthorization(ApiKeyPolicies.For(ApiScope.ConflictsRead));
        conflicts.MapGet("/", ListConflictsAsync).ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Conflicts (one badge admitted at two edges) after a cursor");
        // No route constraint: "/conflicts/abc/acknowledge" gets this endpoint's 404 with a detail, not routing's bare one.
        conflicts.MapPost("/{id}/acknowledge", AcknowledgeConflictAsync).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Mark a conflict as seen");

        api.MapGet("/silos", ListSilosAsync).WithTags("Silos").RequireAuthorization(ApiKeyPolicies.For(ApiScope.SilosRead))
            .WithSummary("The silo table: every edge's last report");
        api.MapGet("/stats", GetStatsAsync).WithTags("Statistics").RequireAuthorization(ApiKeyPolicies.For(ApiScope.StatsRead))
            .WithSummary("The event at a glance");
        api.MapGet("/floor", GetFloor).WithTags("Statistics").RequireAuthorization(ApiKeyPolicies.For(ApiScope.StatsRead))
            .WithSummary("Every edge's zones (occupancy, capacity, level) and booths (leads, visits) as it last reported them");

        var webhooks = api.MapGroup("/webhooks").WithTags("Webhooks").RequireAuthorization(ApiKeyPolicies.For(ApiScope.WebhooksWrite));
        webhooks.MapPost("/", CreateWebhookAsync)
            .DescribeBody(typeof(WebhookRequestBody), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Register a webhook; its signing secret is shown once");
        webhooks.MapGet("/", ListWebhooksAsync).WithSummary("Registered webhooks (without secrets)");
        webhooks.MapGet("/{id}", GetWebhookAsync).ProducesProblem(StatusCodes.Status404NotFound).WithSummary("A registered webhook (without its secret)");
        webhooks.MapDelete("/{id}", DeleteWebhookAsync).ProducesProblem(StatusCodes.Status404NotFound).WithSummary("Remove a webhook");
        webhooks.MapPost("/{id}/retry", RetryWebhookAsync).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Send a webhook's given-up deliveries again, from the first attempt");
        return endpoints;
    }

    /// <summary>
    /// The check-in export's 200 in the OpenAPI document: a page object for JSON, one check-in per line
    /// for NDJSON, text for CSV (<see cref="CheckInExport"/> writes them by hand, so nothing else says so).
    /// </summary>
    private static async Task CheckInExportResponse(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var page = await context.GetOrCreateSchemaAsync(typeof(CheckInPageBody), null, cancellationToken);
        var line = await context.GetOrCreateSchemaAsync(typeof(CheckInBody), null, cancellationToken);
        var ok = new OpenApiResponse
        {
            Description = "Check-ins after the cursor, in the format asked for (format=, else Accept).",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = page },
                ["application/x-ndjson"] = new() { Schema = line },
                ["text/csv"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        };
        operation.Responses ??= [];
        operation.Responses[StatusCodes.Status200OK.ToString(CultureInfo.InvariantCulture)] = ok;
    }

    private static async Task WriteOpenApiAsync(HttpContext context)
    {
        var provider = context.RequestServices.GetRequiredKeyedService<IOpenApiDocumentProvider>(DocumentName);
        var document = await provider.GetOpenApiDocumentAsync(context.RequestAborted);
        // The writer is synchronous, and Kestrel refuses synchronous writes: render first, then send.
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        document.SerializeAsV31(new OpenApiJsonWriter(text));
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(text.ToString(), context.RequestAborted);
    }

    // ---- attendees -------------------------------------------------------------------------

    private static async Task<Results<Created<AttendeeBody>, ProblemHttpResult>> RegisterAsync(
        HttpContext context, AttendeeRegistry registry, IOptions<IntegratorOptions> options)
    {
        var (input, problem) = await ReadAttendeeAsync(context, options.Value);
        if (problem is not null)
        {
            return problem;
        }

        var result = await registry.RegisterAsync(input!, context.RequestAborted);
        return result.Status switch
        {
            RegistrationStatus.Created => TypedResults.Created($"/v1/attendees/{Uri.EscapeDataString(result.Attendee!.Id)}", ToBody(result.Attendee)),
            RegistrationStatus.Conflict => IntegratorProblems.Conflict(result.Detail!),
            _ => IntegratorProblems.Invalid("attendee", result.Errors),
        };
    }

    private static async Task<Results<Ok<ImportResultBody>, ProblemHttpResult>> ImportAsync(
        HttpContext context, AttendeeRegistry registry, IOptions<IntegratorOptions> options)
    {
        var limits = options.Value;
        var request = context.Request;
        var mediaType = request.ContentType is { } contentType && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed)
            ? parsed.MediaType.ToString().ToLowerInvariant()
            : null;
        var csv = mediaType is "text/csv" or "application/csv";
        if (!csv && !request.HasJsonContentType())
        {
            return IntegratorProblems.UnsupportedMediaType($"Send the import as {ImportContentTypes}.");
        }

        if (request.ContentLength > limits.MaxImportBytes)
        {
            return IntegratorProblems.TooLarge($"The body is over the limit of {limits.MaxImportBytes:N0} bytes; split the import.");
        }

        // The server's own body limit (about 28 MiB in Kestrel) would cut in first with a bare 413: this endpoint counts for itself.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        var body = new LimitedReadStream(request.Body, limits.MaxImportBytes);
        var rows = csv
            ? AttendeeImportReader.ReadCsvAsync(body, limits.MaxImportRows, context.RequestAborted)
            : AttendeeImportReader.ReadJsonAsync(body, limits.MaxImportRows, context.RequestAborted);
        ImportResult result;
        try
        {
            result = await registry.ImportAsync(rows, context.RequestAborted);
        }
        catch (ImportRejectedException e) when (e.Rejection == ImportRejection.TooLarge)
        {
            return IntegratorProblems.TooLarge($"{e.Message} Nothing was stored.");
        }
        catch (ImportRejectedException e)
        {
            return IntegratorProblems.Problem(StatusCodes.Status400BadRequest, "The import cannot be read", $"{e.Message} Nothing was stored.", e.Errors);
        }

        var answer = new ImportResultBody(result.Imported, result.Created, result.Updated, result.Unchanged, result.Failed,
            [.. result.Errors.Select(IntegratorProblems.ToBody)], result.ErrorsOmitted, result.LedgerVersion);
        if (result.Imported == 0)
        {
            var problem = IntegratorProblems.Problem(StatusCodes.Status422UnprocessableEntity, "No row could be imported",
                result.Failed == 0 ? "The import holds no rows." : $"All {result.Failed:N0} rows have errors; nothing was stored.", result.Errors);
            problem.ProblemDetails.Extensions["failed"] = result.Failed;
            problem.ProblemDetails.Extensions["errorsOmitted"] = result.ErrorsOmitted;
            return problem;
        }

        return TypedResults.Ok(answer);
    }

    private static async Task<Results<Ok<AttendeeBody>, ProblemHttpResult>> GetAsync(string id, AttendeeRegistry registry, CancellationToken cancellationToken) =>
        await registry.GetAsync(id, cancellationToken) is { } attendee
            ? TypedResults.Ok(ToBody(attendee))
            : IntegratorProblems.NotFound($"No attendee '{id}'.");

    private static async Task<Results<Ok<AttendeeBody>, ProblemHttpResult>> UpdateAsync(
        string id, HttpContext context, AttendeeRegistry registry, IOptions<IntegratorOptions> options)
    {
        var (patch, problem) = await ReadAttendeeAsync(context, options.Value);
        if (problem is not null)
        {
            return problem;
        }

        var result = await registry.UpdateAsync(id, patch!, context.RequestAborted);
        return result.Status switch
        {
            RegistrationStatus.Updated or RegistrationStatus.Unchanged => TypedResults.Ok(ToBody(result.Attendee!)),
            RegistrationStatus.NotFound => IntegratorProblems.NotFound(result.Detail!),
            RegistrationStatus.Conflict => IntegratorProblems.Conflict(result.Detail!),
            _ => IntegratorProblems.Invalid("attendee", result.Errors),
        };
    }

    private static async Task<Results<Ok<AttendeeBody>, ProblemHttpResult>> RevokeAsync(string id, AttendeeRegistry registry, CancellationToken cancellationToken)
    {
        var result = await registry.RevokeAsync(id, cancellationToken);
        return result.Attendee is { } attendee ? TypedResults.Ok(ToBody(attendee)) : IntegratorProblems.NotFound(result.Detail ?? $"No attendee '{id}'.");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> TicketPngAsync(string id, AttendeeRegistry registry, CancellationToken cancellationToken)
    {
        var (token, problem) = await TicketTokenAsync(id, registry, cancellationToken);
        return problem ?? (Results<FileContentHttpResult, ProblemHttpResult>)TypedResults.File(TicketImages.Png(token!), "image/png", $"{id}.png");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> TicketSvgAsync(string id, AttendeeRegistry registry, CancellationToken cancellationToken)
    {
        var (token, problem) = await TicketTokenAsync(id, registry, cancellationToken);
        return problem ?? (Results<FileContentHttpResult, ProblemHttpResult>)TypedResults.File(
            System.Text.Encoding.UTF8.GetBytes(TicketImages.Svg(token!)), "image/svg+xml", $"{id}.svg");
    }

    private static async Task<(string? Token, ProblemHttpResult? Problem)> TicketTokenAsync(string id, AttendeeRegistry registry, CancellationToken cancellationToken)
    {
        if (await registry.GetAsync(id, cancellationToken) is not { } attendee)
        {
            return (null, IntegratorProblems.NotFound($"No attendee '{id}'."));
        }

        return attendee.Status == Domain.Ledger.AttendeeStatus.Revoked
            ? (null, IntegratorProblems.Conflict($"Attendee '{id}' is revoked: their badge is no longer valid and is not printed."))
            : (attendee.Token, null);
    }

    private static async Task<(AttendeeInput? Input, ProblemHttpResult? Problem)> ReadAttendeeAsync(HttpContext context, IntegratorOptions options)
    {
        var (json, problem) = await IntegratorProblems.ReadJsonAsync(context, options.MaxBodyBytes);
        if (problem is not null)
        {
            return (null, problem);
        }

        var errors = new List<(string? Field, string Message)>();
        var input = AttendeeFields.FromJson(json, errors);
        return errors.Count > 0
            ? (null, IntegratorProblems.Invalid("attendee", [.. errors.Select(e => new RowError(null, null, e.Field, e.Message))]))
            : (input, null);
    }

    internal static AttendeeBody ToBody(RegisteredAttendee a) => new(
        a.Id, a.Name, a.Email, a.Company, a.TicketType, a.ValidFrom, a.ValidUntil, AttendeeRegistry.StatusName(a.Status), a.Gates,
        a.Token, TokenHash.Format(a.TokenHash), a.Version, a.UpdatedAt);

    // ---- check-ins -------------------------------------------------------------------------

    private static Results<CheckInExport, ProblemHttpResult> ExportCheckIns(
        CentralSilo silo, string? after, string? limit, string? format, string? passagesOnly, HttpContext context)
    {
        if (!TryParseCursor(after, out var cursor))
        {
            return IntegratorProblems.BadQuery("after", "after is a feed id: a whole number, 0 or more (the last feedId you received).");
        }

        long? count = null;
        if (limit is not null)
        {
            if (!long.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            {
                return IntegratorProblems.BadQuery("limit", "limit is a whole number, 1 or more (leave it out to export everything after the cursor).");
            }

            count = n;
        }

        var wants = format?.ToLowerInvariant() ?? PreferredFormat(context.Request);
        ExportFormat? chosen = wants switch
        {
            "json" => ExportFormat.Json,
            "ndjson" => ExportFormat.Ndjson,
            "csv" => ExportFormat.Csv,
            _ => null,
        };
        if (chosen is null)
        {
            return IntegratorProblems.BadQuery("format", "format is json, ndjson or csv.");
        }

        bool onlyPassages = false;
        if (passagesOnly is not null && !bool.TryParse(passagesOnly, out onlyPassages))
        {
            return IntegratorProblems.BadQuery("passagesOnly", "passagesOnly is true or false.");
        }

        return new CheckInExport(silo.Store, cursor, count, onlyPassages, chosen.Value);
    }

    private static string PreferredFormat(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        return accept.Contains("text/csv", StringComparison.OrdinalIgnoreCase) ? "csv"
            : accept.Contains("application/x-ndjson", StringComparison.OrdinalIgnoreCase) ? "ndjson"
            : "json";
    }

    private static bool TryParseCursor(string? text, out long cursor)
    {
        cursor = 0;
        return text is null || (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out cursor) && cursor >= 0);
    }

    // ---- conflicts, silos, stats -----------------------------------------------------------

    private static async Task<Results<Ok<ConflictPageBody>, ProblemHttpResult>> ListConflictsAsync(
        CentralSilo silo, IOptions<IntegratorOptions> options, string? after, string? limit, CancellationToken cancellationToken)
    {
        if (!TryParseCursor(after, out var cursor))
        {
            return IntegratorProblems.BadQuery("after", "after is a conflict id: a whole number, 0 or more (the nextCursor of the last page).");
        }

        var max = options.Value.MaxPageSize;
        var size = Math.Min(100, max);
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > max))
        {
            return IntegratorProblems.BadQuery("limit", $"limit is a whole number from 1 to {max}.");
        }

        // One more than the page says whether another page follows.
        var page = await silo.Store.ListConflictsAsync(cursor, size + 1, cancellationToken);
        var more = page.Count > size;
        var shown = page.Take(size).Select(ToBody).ToList();
        return TypedResults.Ok(new ConflictPageBody(shown, shown.Count > 0 ? shown[^1].Id : cursor, more));
    }

    private static async Task<Results<Ok<ConflictBody>, ProblemHttpResult>> AcknowledgeConflictAsync(
        string id, CentralSilo silo, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            return IntegratorProblems.NotFound($"No conflict '{AttendeeFields.Shorten(id)}': conflict ids are whole numbers from 1 (GET /v1/conflicts lists them).");
        }

        var by = $"api-key:{user.FindFirstValue(ClaimTypes.Name)} ({user.FindFirstValue(ClaimTypes.NameIdentifier)})";
        if (!await silo.Store.AcknowledgeConflictAsync(number, by, silo.Time.GetUtcNow(), cancellationToken))
        {
            return IntegratorProblems.NotFound($"No conflict {number}.");
        }


        var stored = await silo.Store.ListConflictsAsync(number - 1, 1, cancellationToken);
        return stored is [{ } conflict] && conflict.Id == number
            ? TypedResults.Ok(ToBody(conflict))
            : IntegratorProblems.NotFound($"Conflict {number} was acknowledged but has since been resolved by a late exit.");
    }

    private static ConflictBody ToBody(Domain.Central.Conflict c) => new(c.Id, c.AttendeeId, ToBody(c.First), ToBody(c.Second), c.DetectedAt, c.AcknowledgedAt, c.AcknowledgedBy);

    private static PassageBody ToBody(PassageRef p) => new(p.EdgeId, p.Sequence, p.GateId, p.At, p.Hlc);

    private static async Task<Ok<SilosBody>> ListSilosAsync(CentralSilo silo, CancellationToken cancellationToken) =>
        TypedResults.Ok(new SilosBody([.. (await silo.ListSilosAsync(cancellationToken)).Select(ToBody)]));

    private static SiloBody ToBody(SiloRecord s) => new(
        s.SiloId, s.Role, s.Status, s.JournalSequence, s.UploadedSequence, s.LedgerVersion, s.JournalLagEntries, s.JournalLagMs, s.SyncLagMs, s.LastSeenAt);

    private static Ok<FloorBody> GetFloor(CentralSilo silo) =>
        TypedResults.Ok(new FloorBody([.. silo.Floors.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new EdgeFloorBody(kv.Key, kv.Value.At, kv.Value.Zones, kv.Value.Booths))]));

    private static async Task<Ok<StatsBody>> GetStatsAsync(CentralSilo silo, CancellationToken cancellationToken)
    {
        var s = await silo.GetRecentStatsAsync(cancellationToken);
        var checkIns = new CheckInStatsBody(
            s.CheckIns.Entries,
            s.CheckIns.Late,
            s.CheckIns.ByReason.OrderBy(r => r.Key).ToDictionary(r => r.Key.Code(), r => r.Value, StringComparer.Ordinal),
            s.CheckIns.ByEdge.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));
        return TypedResults.Ok(new StatsBody(s.EventId, s.Registered, s.LedgerVersion, s.FeedId, s.Inside, s.Admitted, s.Conflicts, checkIns, [.. s.Silos.Select(ToBody)], s.At));
    }

    // ---- webhooks --------------------------------------------------------------------------

    private static async Task<Results<Created<WebhookCreatedBody>, ProblemHttpResult>> CreateWebhookAsync(
        HttpContext context, CentralSilo silo, IOptions<IntegratorOptions> options, IOptions<WebhookDispatcherOptions> delivery)
    {
        var (json, problem) = await IntegratorProblems.ReadJsonAsync(context, options.Value.MaxBodyBytes);
        if (problem is not null)
        {
            return problem;
        }

        WebhookRequestBody? body;
        try
        {
            body = json.Deserialize(IntegratorJsonContext.Default.WebhookRequestBody);
        }
        catch (JsonException e)
        {
            return IntegratorProblems.Problem(StatusCodes.Status400BadRequest, "The webhook is invalid",
                $"Send {{\"url\": \"https://...\", \"eventTypes\": [...]}}: {e.Message}");
        }

        var errors = new List<RowError>();
        Uri? url = null;
        if (string.IsNullOrWhiteSpace(body?.Url) || body.Url.Length > 2048
            || !Uri.TryCreate(body.Url.Trim(), UriKind.Absolute, out url) || url.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(url.UserInfo))
        {
            errors.Add(new RowError(null, null, "url", "an absolute http or https URL of at most 2,048 characters, without user name or password"));
        }
        else if (!delivery.Value.AllowPrivateAddresses && WebhookAddresses.Refusal(url!) is { } refusal)
        {
            errors.Add(new RowError(null, null, "url", refusal));
        }

        var types = body?.EventTypes ?? [];
        var unknown = types.Where(t => !WebhookOutbox.EventTypes.Contains(t, StringComparer.Ordinal)).ToList();
        if (types.Count == 0 || unknown.Count > 0)
        {
            errors.Add(new RowError(null, null, "eventTypes",
                $"{(unknown.Count > 0 ? $"unknown: {string.Join(", ", unknown)}; " : "")}list one or more of {string.Join(", ", WebhookOutbox.EventTypes)}"));
        }

        if (errors.Count > 0)
        {
            return IntegratorProblems.Invalid("webhook", errors);
        }

        var secret = "whsec_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var webhook = await silo.Store.CreateWebhookAsync(url!.AbsoluteUri, [.. types.Distinct(StringComparer.Ordinal)], secret, silo.Time.GetUtcNow(), context.RequestAborted);
        return TypedResults.Created($"/v1/webhooks/{Uri.EscapeDataString(webhook.Id)}",
            new WebhookCreatedBody(webhook.Id, webhook.Url, webhook.EventTypes, webhook.Secret, webhook.CreatedAt));
    }

    private static async Task<Ok<WebhooksBody>> ListWebhooksAsync(CentralSilo silo, CancellationToken cancellationToken)
    {
        var webhooks = await silo.Store.ListWebhooksAsync(cancellationToken);
        var status = await silo.Store.GetDeliveryStatusAsync(cancellationToken);
        return TypedResults.Ok(new WebhooksBody([.. webhooks.Select(w => ToBody(w, status))]));
    }

    private static async Task<Results<Ok<WebhookBody>, ProblemHttpResult>> GetWebhookAsync(string id, CentralSilo silo, CancellationToken cancellationToken)
    {
        if ((await silo.Store.ListWebhooksAsync(cancellationToken)).FirstOrDefault(w => string.Equals(w.Id, id, StringComparison.Ordinal)) is not { } webhook)
        {
            return IntegratorProblems.NotFound($"No webhook '{id}'.");
        }

        return TypedResults.Ok(ToBody(webhook, await silo.Store.GetDeliveryStatusAsync(cancellationToken)));
    }

    private static WebhookBody ToBody(Webhook webhook, IReadOnlyDictionary<string, WebhookDeliveryStatus> status)
    {
        var s = status.GetValueOrDefault(webhook.Id) ?? new WebhookDeliveryStatus(0, 0, 0, null);
        return new WebhookBody(webhook.Id, webhook.Url, webhook.EventTypes, webhook.CreatedAt, new WebhookDeliveriesBody(s.Pending, s.Delivered, s.Failed, s.LastError));
    }

    /// <summary>A receiver back after an outage longer than the retries last asks for what was given up meanwhile.</summary>
    private static async Task<Results<Ok<WebhookRetryBody>, ProblemHttpResult>> RetryWebhookAsync(string id, CentralSilo silo, CancellationToken cancellationToken)
    {
        if (!(await silo.Store.ListWebhooksAsync(cancellationToken)).Any(w => string.Equals(w.Id, id, StringComparison.Ordinal)))
        {
            return IntegratorProblems.NotFound($"No webhook '{id}'.");
        }

        var retried = await silo.Store.RetryGivenUpDeliveriesAsync(id, silo.Time.GetUtcNow(), cancellationToken);
        if (retried > 0)
        {
            silo.Outbox.Notify();
        }

        return TypedResults.Ok(new WebhookRetryBody(retried));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteWebhookAsync(string id, CentralSilo silo, CancellationToken cancellationToken) =>
        await silo.Store.DeleteWebhookAsync(id, cancellationToken) ? TypedResults.NoContent() : IntegratorProblems.NotFound($"No webhook '{id}'.");
}
