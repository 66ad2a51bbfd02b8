using System.Security.Cryptography;

namespace Venue.Domain.Tickets;

/// <summary>
/// A private ECDSA P-256 key that issues badge tokens. It lives at central only; edges get the
/// public half. Rotation: create a key with a new key id and issue with it; keep old public keys on
/// edges until every badge signed with them has expired or been reissued.
/// </summary>
public sealed class TicketSigningKey : IDisposable
{
    private readonly ECDsa _key;

    private TicketSigningKey(string keyId, ECDsa key)
    {
        KeyId = TicketKeyRing.ValidateKeyId(keyId);
        _key = key;
    }

    public string KeyId { get; }

    public static TicketSigningKey Create(string keyId) => new(keyId, ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static TicketSigningKey FromPrivatePem(string keyId, string pem)
    {
        TicketKeyRing.ValidateKeyId(keyId);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            // ImportFromPem takes a public key as readily: a key that cannot export its private half cannot sign.
            CryptographicOperations.ZeroMemory(key.ExportParameters(includePrivateParameters: true).D);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidDataException($"Key '{keyId}' is not a PEM-encoded EC private key: {e.Message}", e);
        }

        if (!TicketKeyRing.IsP256(key))
        {
            var size = key.KeySize;
            key.Dispose();
            throw new InvalidDataException(size == 256
                ? $"Key '{keyId}' is on another 256-bit curve; badge keys are P-256."
                : $"Key '{keyId}' is a {size}-bit key; badge keys are P-256.");
        }

        return new TicketSigningKey(keyId, key);
    }

    public string ExportPrivatePem() => _key.ExportPkcs8PrivateKeyPem();

    public string ExportPublicPem() => _key.ExportSubjectPublicKeyInfoPem();

    public byte[] ExportPublicKey() => _key.ExportSubjectPublicKeyInfo();

    /// <summary>Issues a signed token for the claims; the claims' key id must be this key's.</summary>
    public string Issue(BadgeClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        if (claims.KeyId != KeyId)
        {
            throw new ArgumentException($"The claims name key '{claims.KeyId}' but this key is '{KeyId}'.", nameof(claims));
        }

        var payload = BadgeToken.EncodePayload(claims);
        var signature = _key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return BadgeToken.Encode(payload, signature);
    }

    public void Dispose() => _key.Dispose();
}
