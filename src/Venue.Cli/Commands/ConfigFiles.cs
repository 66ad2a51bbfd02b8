using Microsoft.Extensions.Configuration;

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

        configuration.AddJsonFile(file.FullName, optional: false, reloadOnChange: false);
        configuration.AddEnvironmentVariables("VENUE_");
    }

    public static IConfiguration Build(FileInfo file)
    {
        var configuration = new ConfigurationBuilder();
        Add(configuration, file);
        return configuration.Build();
    }

    /// <summary>Binds one section, or says which file lacks it.</summary>
    public static T Load<T>(FileInfo file, string section) where T : new() => Bind<T>(Build(file), file, section);

    public static T Bind<T>(IConfiguration configuration, FileInfo file, string section) where T : new() =>
        configuration.GetSection(section).Get<T>() ?? throw new InvalidDataException($"{file.FullName} has no '{section}' section.");
}
