using System.Net;
using Microsoft.Extensions.Configuration;

namespace Venue.Hosting.ReverseProxy;

/// <summary>
/// The reverse proxies (a TLS terminator, a load balancer) in front of a silo whose
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> it believes. Behind one, every request
/// comes from the proxy's address, so the failed sign-in and API key throttles would count every
/// client's failures together and 30 guesses from anyone would hold up everyone; naming the proxy
/// makes them count the client it forwarded. Headers from any other address are ignored, so a
/// client cannot choose the address it is counted under.
/// </summary>
public sealed class ReverseProxyOptions
{
    public const string Section = "ReverseProxy";

    /// <summary>Each an IP address (<c>10.0.0.5</c>) or a network (<c>10.0.0.0/24</c>); empty: no proxy, forwarded headers ignored.</summary>
    public List<string> KnownProxies { get; set; } = [];

    public bool Enabled => KnownProxies.Count > 0;

    /// <summary>What is wrong with the section as written, one line each naming its key; empty when it is right.</summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection($"{Section}:{nameof(KnownProxies)}");
        if (section.Value is { Length: > 0 } single && !section.GetChildren().Any())
        {
            return [$"{Section}:{nameof(KnownProxies)}: '{single}' is one value where a list belongs; write [\"{single}\"]."];
        }

        var problems = new List<string>();
        foreach (var entry in section.GetChildren())
        {
            if (!TryParse(entry.Value, out _, out _))
            {
                problems.Add($"{Section}:{nameof(KnownProxies)}:{entry.Key}: '{entry.Value}' is neither an IP address (10.0.0.5) nor a network written from its first address (10.0.0.0/24).");
            }
        }

        return problems;
    }

    /// <summary>One entry as an address or as a network (exactly one of them set).</summary>
    public static bool TryParse(string? text, out IPAddress? address, out IPNetwork? network)
    {
        address = null;
        network = null;
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return false;
        }

        if (trimmed.Contains('/', StringComparison.Ordinal))
        {
            if (IPNetwork.TryParse(trimmed, out var parsed))
            {
                network = parsed;
                return true;
            }

            return false;
        }

        if (IPAddress.TryParse(trimmed, out var ip) && !trimmed.Contains('%', StringComparison.Ordinal))
        {
            address = ip;
            return true;
        }

        return false;
    }
}
