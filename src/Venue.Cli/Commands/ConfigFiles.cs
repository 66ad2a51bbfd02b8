using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Venue.Hosting.Configuration;
using Venue.Hosting.ReverseProxy;
using Venue.OpsConsole.Feed;

namespace Venue.Cli.Commands;

/// <summary>A silo's configuration: its JSON file (comments allowed), overridden by VENUE_ environment variables.</summary>
public static class ConfigFiles
{
    public static void Add(IConfigurationBuilder configuration, FileInfo file)
    {
        if (Directory.Exists(file.FullName))
        {
            throw new IOException($"{file.FullName} is a directory, not a configuration file (give the JSON file itself with --config).");
        }

        if (!file.Exists)
        {
            throw new IOException($"Configuration file {file.FullName} does not exist (give one with --config).");
        }

        try
        {
            configuration.AddJsonFile(file.FullName, optional: false, reloadOnChange: false);
        }
        catch (InvalidDataException e)
        {
            throw Unreadable(file, e);
        }

        configuration.AddEnvironmentVariables("VENUE_");
    }

    /// <summary>"Failed to load configuration from file" alone says neither what nor where: the JSON reader's line and column do.</summary>
    private static InvalidDataException Unreadable(FileInfo file, Exception e)
    {
        var innermost = e;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        // System.Text.Json quotes the rest of the file after a bad literal; its position is what helps.
        var message = innermost.Message;
        if (System.Text.RegularExpressions.Regex.Match(message, @"LineNumber: (\d+) \| BytePositionInLine: (\d+)") is { Success: true } at)
        {
            var what = message[..at.Index].Trim().TrimEnd('.');
            if (what.Length > 120)
            {
                var expected = what.LastIndexOf("Expected ", StringComparison.Ordinal);
                what = expected >= 0 ? what[expected..] : "unexpected text";
            }

            message = $"line {long.Parse(at.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 1}, " +
                $"column {long.Parse(at.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) + 1}: {what}.";
        }

        return new InvalidDataException($"{file.FullName} is not valid JSON: {message}", e);
    }

    /// <summary>
    /// Keys of the file (and of VENUE_ variables) that nothing reads: the role's section, the console's
    /// and the reverse proxy's checked against the options that bind them, and the file's top level
    /// (as its provider read it: a byte-order mark or a pipe as well) against the sections a silo has,
    /// so a typo stops the silo instead of leaving a default in force. Keys the project once read and
    /// retired are let through, so a file written for an earlier version still starts.
    /// </summary>
    public static IReadOnlyList<string> UnknownKeys(IConfiguration configuration, FileInfo file, string roleSection, Type roleOptions,
        IReadOnlyDictionary<string, Type>? roleSubsections = null)
    {
        var files = (configuration as IConfigurationRoot)?.Providers.OfType<JsonConfigurationProvider>()
            .Where(p => string.Equals(Path.GetFileName(p.Source.Path), file.Name, StringComparison.Ordinal)).ToList() ?? [];
        var top = files.SelectMany(p => p.GetChildKeys([], null));
        IReadOnlyList<string> problems =
        [
            .. Venue.Hosting.Configuration.UnknownKeys.AtTop(top, [roleSection, "Console", ReverseProxyOptions.Section, "Urls", "Logging", "AllowedHosts", "Kestrel"]),
            .. Venue.Hosting.Configuration.UnknownKeys.Under(configuration, roleSection, roleOptions, roleSubsections),
            .. Venue.Hosting.Configuration.UnknownKeys.Under(configuration, "Console", typeof(ConsoleSections), new Dictionary<string, Type> { ["Feed"] = typeof(LiveFeedOptions) }),
            .. Venue.Hosting.Configuration.UnknownKeys.Under(configuration, ReverseProxyOptions.Section, typeof(ReverseProxyOptions)),
        ];
        return [.. problems.Where(p => !Retired.Any(r => p.StartsWith(r + ":", StringComparison.OrdinalIgnoreCase))).Select(p => FromEnvironment(p, files))];
    }

    /// <summary>
    /// A problem about a key the file does not hold names the variable that set it: the message is
    /// prefixed with the file's name, where an operator would look for the typo in vain.
    /// </summary>
    private static string FromEnvironment(string problem, IReadOnlyList<JsonConfigurationProvider> files)
    {
        var end = problem.IndexOf(": not a key", StringComparison.Ordinal);
        if (end < 0)
        {
            return problem;
        }

        var key = problem[..end];
        var parent = key.Contains(':', StringComparison.Ordinal) ? key[..key.LastIndexOf(':')] : null;
        var inFile = files.Any(f => f.TryGet(key, out _) || f.GetChildKeys([], key).Any()
            || (parent is not null && f.GetChildKeys([], parent).Contains(key[(key.LastIndexOf(':') + 1)..], StringComparer.OrdinalIgnoreCase)));
        if (inFile)
        {
            return problem;
        }

        // The variable as it is spelt: Linux names are case-sensitive, configuration keys are not.
        var wanted = "VENUE_" + key.Replace(":", "__", StringComparison.Ordinal);
        var variable = Environment.GetEnvironmentVariables().Keys.OfType<string>()
            .FirstOrDefault(v => string.Equals(v, wanted, StringComparison.OrdinalIgnoreCase));
        var source = variable is not null
            ? $"set by the environment variable {variable}, not in the file"
            : "not in the file: set elsewhere (an environment variable without the VENUE_ prefix, or an appsettings.json in the working directory)";
        return problem.EndsWith('.') ? $"{problem[..^1]} ({source})." : $"{problem} ({source})";
    }

    /// <summary>Keys earlier versions read and documented: no longer used, and not a reason to refuse a file.</summary>
    private static readonly string[] Retired = ["Console:Feed:ClientQueueCapacity"];

    /// <summary>The console's configuration has sections only (<c>Console:Feed</c>).</summary>
    private sealed class ConsoleSections;

    public static IConfiguration Build(FileInfo file)
    {
        var configuration = new ConfigurationBuilder();
        Add(configuration, file);
        try
        {
            return configuration.Build();
        }
        catch (InvalidDataException e)
        {
            throw Unreadable(file, e);
        }
    }

    /// <summary>Binds one section, or says which file lacks it.</summary>
    public static T Load<T>(FileInfo file, string section) where T : new() => Bind<T>(Build(file), file, section);

    public static T Bind<T>(IConfiguration configuration, FileInfo file, string section) where T : new() =>
        configuration.GetSection(section).Get<T>() ?? throw new InvalidDataException($"{file.FullName} has no '{section}' section.");
}
