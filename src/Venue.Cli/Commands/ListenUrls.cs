using Microsoft.AspNetCore.Http;

namespace Venue.Cli.Commands;

/// <summary>
/// Checks the addresses a silo will listen on before its host starts: Kestrel finds a malformed one
/// only while starting (a FormatException past the guard, with a stack trace) and a port out of
/// range as "Specified argument was out of the range of valid values".
/// </summary>
internal static class ListenUrls
{
    /// <summary>
    /// Starts the host, turning a socket error into one line that names the addresses: an address this
    /// machine does not have ("Cannot assign requested address") reaches the caller as a raw SocketException.
    /// </summary>
    public static async Task StartAsync(Microsoft.AspNetCore.Builder.WebApplication app, string? urls, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new IOException($"Could not listen on {urls ?? "the default address"}: {e.Message}.", e);
        }
    }

    /// <param name="urls">The addresses; null when not given at all (the config's or Kestrel's default then applies).</param>
    public static void Check(string? urls, string source, string example)
    {
        if (urls is null)
        {
            return;
        }

        var addresses = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (addresses.Length == 0)
        {
            // Given but empty, Kestrel would listen on localhost:5000, where no scanner looks.
            throw new ArgumentException($"{source} is empty; give an address to listen on, like {example}.");
        }

        foreach (var url in addresses)
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
