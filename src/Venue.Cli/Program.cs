using System.CommandLine;
using Venue.Cli.Commands;

// System.CommandLine 2.0.0 leaves Ctrl+C and SIGTERM alone unless given a termination timeout, so a
// command's cancellation token never fired: 'venue simulate' ran on through Ctrl+C. The wait covers
// a host's graceful stop (30 s by default) before the process gives up on the command.
return await VenueCommandLine.Build().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(35) });
