using System.CommandLine;
using Venue.Cli.Commands;

var parsed = VenueCommandLine.Build().Parse(args.Length == 0 ? ["--help"] : args);
if (args.Length == 0)
{
    await parsed.InvokeAsync(); // 'venue' alone: what it can do
    return 2;
}

if (parsed.Errors.Count > 0)
{
    // One line and exit 2, as for a value a command refuses; not the parser's whole help page and exit 1,
    // which for 'venue simulate' would read as a failed verdict.
    return await VenueCommandLine.ParseErrorAsync(parsed);
}

// System.CommandLine 2.0.0 leaves Ctrl+C and SIGTERM alone unless given a termination timeout, so a
// command's cancellation token never fired: 'venue simulate' ran on through Ctrl+C. The wait covers
// a host's graceful stop (30 s by default) before the process gives up on the command.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(35) });
