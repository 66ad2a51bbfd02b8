using System.CommandLine;

namespace Venue.Cli.Commands;

public static class VenueCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Venue: offline-first access control and crowd telemetry for large events.");
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(EdgeCommand.Create());
        root.Subcommands.Add(KeysCommand.Create());
        root.Subcommands.Add(LedgerCommand.Create());
        root.Subcommands.Add(HealthCommand.Create());
        return root;
    }

    /// <summary>
    /// Runs a command body; a user error (bad option, bad file) becomes a one-line message on stderr
    /// and exit code 2 instead of a stack trace.
    /// </summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException
                                       or InvalidOperationException or Venue.Domain.Ledger.LedgerFormatException
                                       or Microsoft.Extensions.Options.OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"venue: {e.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("venue: cancelled.");
            return 130;
        }
    }
}
