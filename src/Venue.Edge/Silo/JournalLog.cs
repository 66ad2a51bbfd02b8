using Microsoft.Extensions.Logging;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Silo;

/// <summary>
/// What the edge's log says when a journal stops committing and when it commits again: once each,
/// not once per refused scan, with the file and what to do.
/// </summary>
internal static partial class JournalLog
{
    public const string Scans = "scans are answered 503 and nobody is admitted";

    public const string Reads = "reader posts are answered 503 and no read is kept";

    public static JournalOptions Options(ILogger logger, string consequence, TimeProvider time) => new()
    {
        Failing = failure => CannotCommit(logger, failure.Path, failure.Reason, consequence),
        Recovered = failure => CommitsAgain(logger, failure.Path, (int)(time.GetUtcNow() - failure.Since).TotalSeconds, failure.RefusedAppends),
    };

    [LoggerMessage(Level = LogLevel.Critical, Message =
        "The journal {Path} cannot commit ({Reason}): {Consequence} until it can, and /healthz answers 503. " +
        "Free space on the disk that holds it (df -h), or fix the disk (dmesg); the edge commits again by itself, no restart needed.")]
    private static partial void CannotCommit(ILogger logger, string path, string reason, string consequence);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "The journal {Path} commits again after {Seconds} s of failures; {Refused} appends were refused with 503 meanwhile (scanners and readers send them again).")]
    private static partial void CommitsAgain(ILogger logger, string path, int seconds, long refused);
}
