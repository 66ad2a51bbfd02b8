namespace Venue.Edge.Sync;

/// <summary>
/// A request to central that did not get a usable answer: no connection, a timeout, an error status
/// (with the problem's title and detail in the message), or a body that is not what venue-sync/1
/// says. The uplink retries every one of them later; <see cref="StatusCode"/> tells how loudly to say so.
/// </summary>
public sealed class CentralException(string message, int? statusCode = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The HTTP status central answered with; null when there was no answer (or no usable one).</summary>
    public int? StatusCode { get; } = statusCode;

    /// <summary>Central refused the request itself (4xx other than 408/429): a configuration or protocol problem, not the link.</summary>
    public bool IsRefusal => StatusCode is >= 400 and < 500 and not 408 and not 429;
}
