using Venue.LoadHarness;

return await HarnessCommand.Create().Parse(args).InvokeAsync();
