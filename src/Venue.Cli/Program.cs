using Venue.Cli.Commands;

return await VenueCommandLine.Build().Parse(args).InvokeAsync();
