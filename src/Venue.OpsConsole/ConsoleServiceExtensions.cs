using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Venue.Hosting.Configuration;
using Venue.OpsConsole.Feed;
using Venue.OpsConsole.Model;
using Venue.OpsConsole.Security;

namespace Venue.OpsConsole;

public static class ConsoleServiceExtensions
{
    /// <summary>
    /// Registers what every silo's console shares: the feed (options under <c>Console:Feed</c>), the
    /// model, ops sessions and the console's JSON. The silo adds its own feeder and <see cref="IAttendeeLookup"/>.
    /// </summary>
    /// <param name="dataDirectory">The silo's data directory, where the session cookie keys and the acknowledgements of standing alerts are kept.</param>
    /// <param name="siloId">The silo's id, which names its session cookie.</param>
    public static IServiceCollection AddOpsConsole(this IServiceCollection services, Func<IServiceProvider, string> dataDirectory,
        Func<IServiceProvider, string> siloId)
    {
        services.AddOptions<LiveFeedOptions>().BindConfiguration(LiveFeedOptions.Section).ValidateAnnotations(LiveFeedOptions.Section).ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<LiveFeed>();
        services.AddSingleton<StreamLimit>();
        services.AddSingleton(provider => new AlertAcknowledgements(dataDirectory(provider), provider.GetRequiredService<ILogger<AlertAcknowledgements>>()));
        services.AddSingleton<ConsoleModel>();
        services.AddSingleton<OpsCredentialCheck>();
        services.AddSingleton<SignInThrottle>();
        services.AddConsoleAuthentication(dataDirectory, siloId);
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ConsoleJsonContext.Default));
        return services;
    }
}
