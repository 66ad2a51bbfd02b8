using System.Data.Common;
using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Venue.Central.Silo;

/// <summary>
/// Answers a request that failed because central's database is out of reach for now (restarting,
/// refusing connections, a lock held too long) with a 503 problem and Retry-After, not a 500: edges
/// and integrators then know to send the same request again, and an operator sees one warning line
/// instead of a stack trace per request. The driver says what is transient (<see cref="DbException.IsTransient"/>);
/// a broken pooled connection fails one request and is not handed out again, so central recovers by itself.
/// </summary>
internal sealed partial class StoreUnavailableHandler(IProblemDetailsService problems, ILogger<StoreUnavailableHandler> logger) : IExceptionHandler
{
    /// <summary>Long enough for a fast restart of PostgreSQL, short enough that an edge's backlog does not grow for nothing.</summary>
    public const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (Transient(exception) is not { } cause || httpContext.Response.HasStarted)
        {
            return false;
        }

        LogUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, cause.GetType().Name, cause.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers[HeaderNames.RetryAfter] = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The database is unavailable",
                Detail = $"Central could not reach its database just now (it may be restarting); send the request again in {RetryAfterSeconds} s.",
            },
        });
    }

    /// <summary>The transient database error behind <paramref name="exception"/>, if that is what it is.</summary>
    internal static DbException? Transient(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException { IsTransient: true } db)
            {
                return db;
            }

            if (e is AggregateException { InnerExceptions.Count: 1 } aggregate)
            {
                return Transient(aggregate.InnerExceptions[0]);
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: the database is unavailable ({Type}: {Reason}).")]
    private static partial void LogUnavailable(ILogger logger, string method, PathString path, string type, string reason);
}
