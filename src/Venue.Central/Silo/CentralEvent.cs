using Venue.Domain.Ledger;
using Venue.Domain.Tickets;

namespace Venue.Central.Silo;

/// <summary>
/// The event central runs: its id, ticket types, the key badges are signed with, and the public keys
/// edges receive in every ledger snapshot.
/// </summary>
public sealed class CentralEvent : IDisposable
{
    private readonly Dictionary<string, TicketType> _ticketTypes;

    public CentralEvent(string eventId, string name, IReadOnlyList<TicketType> ticketTypes, TicketSigningKey signingKey, IReadOnlyList<LedgerKey> publicKeys)
    {
        EventId = eventId;
        Name = name;
        TicketTypes = ticketTypes;
        SigningKey = signingKey;
        PublicKeys = publicKeys;
        _ticketTypes = ticketTypes.ToDictionary(t => t.Name, StringComparer.Ordinal);
        KeysFingerprint = TicketKeyRing.FingerprintOf(publicKeys.Select(k => (k.Kid, Convert.FromBase64String(k.PublicKey))));
    }

    public string EventId { get; }

    public string Name { get; }

    public IReadOnlyList<TicketType> TicketTypes { get; }

    public TicketSigningKey SigningKey { get; }

    /// <summary>Every public key edges must hold: the signing key's, then older ones still honoured.</summary>
    public IReadOnlyList<LedgerKey> PublicKeys { get; }

    /// <summary>The fingerprint of <see cref="PublicKeys"/>, sent with every answer to <c>/changes</c>.</summary>
    public string KeysFingerprint { get; }

    public bool TryGetTicketType(string name, out TicketType ticketType) => _ticketTypes.TryGetValue(name, out ticketType!);

    public static CentralEvent Load(CentralOptions options)
    {
        var kid = SigningKeyIdOf(options.SigningKeyPath);
        var signingKey = TicketSigningKey.FromPrivatePem(kid, File.ReadAllText(options.SigningKeyPath));
        var keys = new List<LedgerKey> { new(kid, Convert.ToBase64String(signingKey.ExportPublicKey())) };
        foreach (var path in options.PreviousPublicKeyPaths)
        {
            var ring = new TicketKeyRing();
            var previousKid = PublicKeyIdOf(path);
            ring.AddPem(previousKid, File.ReadAllText(path));
            keys.Add(new LedgerKey(previousKid, Convert.ToBase64String(ring.ExportPublicKey(previousKid))));
        }

        var ticketTypes = options.TicketTypes.Select(t => t.ToTicketType()).ToList();
        return new CentralEvent(options.EventId, options.EventName ?? options.EventId, ticketTypes, signingKey, keys);
    }

    internal static string SigningKeyIdOf(string path) => KeyIdOf(path, ".private.pem");

    internal static string PublicKeyIdOf(string path) => KeyIdOf(path, ".public.pem");

    /// <summary>'venue keys create' names key files {kid}.private.pem and {kid}.public.pem.</summary>
    private static string KeyIdOf(string path, string suffix)
    {
        var file = Path.GetFileName(path);
        return file.EndsWith(suffix, StringComparison.Ordinal) ? file[..^suffix.Length] : Path.GetFileNameWithoutExtension(file);
    }

    public void Dispose() => SigningKey.Dispose();
}
