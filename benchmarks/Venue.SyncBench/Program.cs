using Venue.SyncBench;

return await SyncBenchCommand.Create().Parse(args).InvokeAsync();
