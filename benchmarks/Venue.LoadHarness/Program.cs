using System.CommandLine;
using Venue.LoadHarness;

// Without a termination timeout System.CommandLine leaves Ctrl+C and SIGTERM alone, the process
// dies at once, and the servers the harness started (PostgreSQL, Redis, venue edge) outlive it.
// With one, the run's cancellation token fires and every target is stopped on the way out.
return await HarnessCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
