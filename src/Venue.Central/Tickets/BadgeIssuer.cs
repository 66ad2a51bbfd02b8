using System.Collections.Concurrent;
using Venue.Domain.Tickets;

namespace Venue.Central.Tickets;

/// <summary>
/// Signs badge tokens for the event, from any number of threads. An ECDsa instance is not safe to
/// share across threads, so signers are pooled (each a copy of the event's signing key), as
/// <c>EventGenerator</c> keeps one per worker; a big import signs in parallel.
/// </summary>
public sealed class BadgeIssuer : IDisposable
{
    private readonly string _eventId;
    private readonly string _keyId;
    private readonly string _pem;
    private readonly ConcurrentBag<TicketSigningKey> _signers = [];

    public BadgeIssuer(string eventId, TicketSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _eventId = eventId;
        _keyId = key.KeyId;
        _pem = key.ExportPrivatePem();
    }

    /// <summary>The claims a badge for this attendee carries: validity in unix seconds, 0 where unbounded.</summary>
    public BadgeClaims ClaimsFor(string attendeeId, string ticketType, DateTimeOffset? validFrom, DateTimeOffset? validUntil) =>
        new(_keyId, _eventId, attendeeId, ticketType, validFrom?.ToUnixTimeSeconds() ?? 0, validUntil?.ToUnixTimeSeconds() ?? 0);

    public string Issue(BadgeClaims claims)
    {
        var signer = Rent();
        try
        {
            return signer.Issue(claims);
        }
        finally
        {
            _signers.Add(signer);
        }
    }

    /// <summary>Signs many badges in parallel (tens of µs each); results in the order of <paramref name="claims"/>.</summary>
    public string[] IssueMany(IReadOnlyList<BadgeClaims> claims, CancellationToken cancellationToken = default)
    {
        var tokens = new string[claims.Count];
        if (claims.Count < 64)
        {
            for (var i = 0; i < tokens.Length; i++)
            {
                tokens[i] = Issue(claims[i]);
            }

            return tokens;
        }

        Parallel.For(0, tokens.Length, new ParallelOptions { CancellationToken = cancellationToken }, Rent, (i, _, signer) =>
        {
            tokens[i] = signer.Issue(claims[i]);
            return signer;
        }, _signers.Add);
        return tokens;
    }

    private TicketSigningKey Rent() => _signers.TryTake(out var signer) ? signer : TicketSigningKey.FromPrivatePem(_keyId, _pem);

    public void Dispose()
    {
        while (_signers.TryTake(out var signer))
        {
            signer.Dispose();
        }
    }
}
