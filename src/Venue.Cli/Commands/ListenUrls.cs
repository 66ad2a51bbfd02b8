using Microsoft.AspNetCore.Http;

namespace Venue.Cli.Commands;

/// <summary>
/// Checks the addresses a silo will listen on before its host starts: Kestrel finds a malformed one
/// only while starting (a FormatException past the guard, with a stack trace) and a port out of
/// range as "Specified argument was out of the range of valid values".
/// </summary>
internal static class ListenUrls
{
    public static void Check(string? urls, string source, string example)
    {
        if (string.IsNullOrWhiteSpace(urls))
        {
            return;
        }

        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                throw new ArgumentException($"{source}: '{url}' is not an address to listen on; give one like {example}.");
            }

            if (!address.IsUnixPipe && (address.Scheme is not ("http" or "https") || address.Port is < 0 or > 65535))
            {
                throw new ArgumentException($"{source}: '{url}' needs http:// or https:// and a port from 0 to 65535, like {example}.");
            }
        }
    }
}
