using System.CommandLine;
using Venue.SyncBench;

// With a termination timeout, Ctrl+C and SIGTERM cancel the run's token and the PostgreSQL server
// and silos the bench started are stopped on the way out; without one the process died at once.
return await SyncBenchCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
