using Microsoft.Extensions.Logging;

namespace Venue.Edge.Sync;

/// <summary>
/// How one uplink loop's requests to central are going, and what to log about it: the first
/// failure of a run and every 20th after it (as an error when central refused the request: a 4xx),
/// and the recovery. A partition of hours then costs a handful of log lines, not thousands.
/// </summary>
internal sealed class LinkHealth(string loop, ILogger logger, TimeProvider time)
{
    private const int RemindEvery = 20;

    private readonly object _gate = new();
    private int _failures;
    private DateTimeOffset? _failingSince;
    private DateTimeOffset? _lastSuccessAt;
    private string? _lastError;

    public bool Failing
    {
        get { lock (_gate) { return _failures > 0; } }
    }

    public DateTimeOffset? LastSuccessAt
    {
        get { lock (_gate) { return _lastSuccessAt; } }
    }

    public string? LastError
    {
        get { lock (_gate) { return _lastError; } }
    }

    public void Succeeded()
    {
        int failures;
        DateTimeOffset? since;
        var now = time.GetUtcNow();
        lock (_gate)
        {
            failures = _failures;
            since = _failingSince;
            _failures = 0;
            _failingSince = null;
            _lastSuccessAt = now;
        }

        if (failures > 0)
        {
            logger.LogInformation("{Loop}: central answers again, after {Failures} failed attempts over {Seconds:0.#} s.",
                loop, failures, (now - since!.Value).TotalSeconds);
        }
    }

    public void Failed(Exception failure, TimeSpan retryIn)
    {
        int failures;
        lock (_gate)
        {
            failures = ++_failures;
            _failingSince ??= time.GetUtcNow();
            _lastError = failure.Message;
        }

        // A refusal (4xx) is a configuration or protocol problem an operator must fix; the link itself is fine.
        var level = failures == 1 || failures % RemindEvery == 0
            ? failure is CentralException { IsRefusal: true } ? LogLevel.Error : LogLevel.Warning
            : LogLevel.Debug;
        logger.Log(level, "{Loop}: {Problem} (attempt {Attempt}; retrying in {Delay} ms).", loop, failure.Message, failures, (int)retryIn.TotalMilliseconds);
    }
}
