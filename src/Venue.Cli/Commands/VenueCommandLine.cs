using System.CommandLine;

namespace Venue.Cli.Commands;

public static partial class VenueCommandLine
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
    /// What the parser could not read, on one line naming the command's help, with exit code 2. The
    /// parser names types as .NET does ('System.Nullable`1[System.Int32]'); those become words.
    /// </summary>
    public static async Task<int> ParseErrorAsync(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var messages = string.Join("; ", parsed.Errors.Select(e => Readable(e.Message)));
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (result.Command is not RootCommand)
            {
                names.Add(result.Command.Name);
            }
        }

        names.Reverse();
        await Console.Error.WriteLineAsync($"venue: {messages.ReplaceLineEndings(" ")} (see 'venue {string.Join(' ', [.. names, "--help"])}').");
        return 2;
    }

    private static string Readable(string message)
    {
        // An enum's suggestions list every value of the type, including ones this command refuses; its --help lists the right ones.
        if (message.Contains("as expected type 'Venue.", StringComparison.Ordinal) && message.IndexOf(" Did you mean", StringComparison.Ordinal) is var cut and > 0)
        {
            message = message[..cut];
        }

        return TypeWords().Replace(message, m => $"as {Describe(m.Groups["type"].Value)}").TrimEnd('.');
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"as expected type '(?<type>[^']+)'")]
    private static partial System.Text.RegularExpressions.Regex TypeWords();

    private static string Describe(string type) => type.Replace("System.Nullable`1[", "", StringComparison.Ordinal).TrimEnd(']') switch
    {
        "System.Int32" or "System.Int64" or "System.Int16" => "a whole number",
        "System.Double" or "System.Single" or "System.Decimal" => "a number",
        "System.Uri" => "an absolute address",
        "System.Boolean" => "true or false",
        var other when other.StartsWith("Venue.", StringComparison.Ordinal) => "one of the values listed in --help",
        var other => $"a {other.Split('.')[^1]}",
    };

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
