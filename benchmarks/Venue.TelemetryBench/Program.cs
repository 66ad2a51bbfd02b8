using System.CommandLine;
using Venue.TelemetryBench;

// With a termination timeout, Ctrl+C and SIGTERM cancel the run's token and the RabbitMQ node and
// edges the bench started are stopped on the way out; without one the process died at once.
return await TelemetryBenchCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
