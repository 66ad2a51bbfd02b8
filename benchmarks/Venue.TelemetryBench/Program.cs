using Venue.TelemetryBench;

return await TelemetryBenchCommand.Create().Parse(args).InvokeAsync();
