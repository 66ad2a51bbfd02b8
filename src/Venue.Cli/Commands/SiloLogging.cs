using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Venue.Cli.Commands;

/// <summary>How <c>venue edge</c> and <c>venue central</c> log around their host.</summary>
public static class SiloLogging
{
    /// <summary>
    /// A start that fails (the port is taken, the database does not answer) reaches the command,
    /// which prints it in one line and exits 2; the host would log it first as an error with a
    /// page of stack trace. Its own category is held to critical: a background service that fails
    /// later is still logged, with its exception, as the critical "stopping the host" message.
    /// </summary>
    public static void LeaveFailedStartToTheCommand(IHostApplicationBuilder builder) =>
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
}
