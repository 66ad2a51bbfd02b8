using System.CommandLine;

namespace Venue.Cli.Commands;

public static class VenueCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Venue: offline-first access control and crowd telemetry for large events.");
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(EdgeCommand.Create());
        root.Subcommands.Add(CentralCommand.Create());
        root.Subcommands.Add(KeysCommand.Create());
        root.Subcommands.Add(LedgerCommand.Create());
        root.Subcommands.Add(HealthCommand.Create());
        root.Subcommands.Add(ReadersCommand.Create());
        return root;
    }

    /// <summary>
    /// Runs a command body; a user error (bad option, bad file, a database that is down, silent, unreadable or
    /// not a database) becomes a one-line message on stderr and exit code 2 instead of a stack trace.
    /// </summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException
                                       or InvalidOperationException or TimeoutException or Venue.Domain.Ledger.LedgerFormatException
                                       or Microsoft.Extensions.Options.OptionsValidationException
                                       or System.Data.Common.DbException)
        {
            await Console.Error.WriteLineAsync($"venue: {OneLine(e)}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("venue: cancelled.");
            return 130;
        }
    }

    /// <summary>
    /// The message alone, on one line: ArgumentException appends " (Parameter 'x')", and
    /// ArgumentOutOfRangeException the actual value on a line of its own, neither meant for users.
    /// </summary>
    private static string OneLine(Exception e)
    {
        var message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
        {
            message = message.Split(Environment.NewLine)[0].Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        }

        return message.ReplaceLineEndings(" ");
    }
}
