using System.Net;
using System.Net.Sockets;

namespace Venue.Central.Webhooks;

/// <summary>
/// Where central may deliver webhooks. Any key with <c>webhooks:write</c> chooses the URL, and central
/// posts to it, signed, up to 20 times: without a rule, that key could aim central at its own
/// loopback services, a cloud's metadata address (169.254.169.254) or the venue's private network.
/// Unless <see cref="WebhookDispatcherOptions.AllowPrivateAddresses"/> is set (an on-premises
/// receiver), such URLs are refused at registration, and a host name is resolved at every connection
/// and only its public addresses are dialled, so a name that later points inward is no way around it.
/// </summary>
public static class WebhookAddresses
{
    /// <summary>
    /// Loopback, unspecified, private (RFC 1918, fc00::/7), carrier-grade NAT, link-local, benchmarking
    /// (198.18/15), IETF protocol (192.0.0/24), documentation, multicast and reserved addresses; and an
    /// IPv6 address that carries an IPv4 one (mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) when that one is.
    /// </summary>
    public static bool IsInternal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var v6 = address.GetAddressBytes();
            // NAT64's well-known prefix: the last four bytes are the IPv4 address a DNS64 gateway reaches.
            if (v6.AsSpan(0, 12).SequenceEqual(new byte[] { 0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 }))
            {
                return IsInternal(new IPAddress(v6.AsSpan(12, 4)));
            }

            // 6to4: bytes 2 to 5 are the IPv4 address.
            if (v6[0] == 0x20 && v6[1] == 0x02)
            {
                return IsInternal(new IPAddress(v6.AsSpan(2, 4)));
            }

            // IPv4-compatible (::a.b.c.d, deprecated, not routed): nothing a receiver should use.
            if (v6.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
            {
                return true;
            }
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] is 0 or 10 or 127 or >= 224
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)
                || (b[0] == 198 && b[1] is 18 or 19)
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] is >= 64 and <= 127);
        }

        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast;
    }

    /// <summary>Why a URL may not be registered (its host is localhost or an internal address literal), or null.</summary>
    public static string? Refusal(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        // A fully qualified name's trailing dot ("localhost.", "169.254.169.254.") names the same host.
        var host = url.IdnHost.EndsWith('.') ? url.IdnHost[..^1] : url.IdnHost;
        var internalHost = url.IsLoopback
            || host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var literal) && IsInternal(literal));
        return internalHost
            ? $"'{url.Host}' is a loopback, link-local or private address: central does not deliver there unless {WebhookDispatcherOptions.Section}:AllowPrivateAddresses is set (an on-premises receiver)"
            : null;
    }

    /// <summary>Dials only the public addresses a host name resolves to (SocketsHttpHandler.ConnectCallback).</summary>
    public static async ValueTask<Stream> ConnectPublicAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var outward = addresses.Where(a => !IsInternal(a)).ToArray();
        if (outward.Length == 0)
        {
            throw new HttpRequestException(
                $"{host} resolves only to loopback, link-local or private addresses; central does not deliver there unless {WebhookDispatcherOptions.Section}:AllowPrivateAddresses is set.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(outward, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
