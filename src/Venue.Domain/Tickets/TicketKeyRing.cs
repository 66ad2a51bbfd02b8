using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Venue.Domain.Tickets;

/// <summary>Public keys by key id: what an edge holds to verify badges it has never seen.</summary>
public sealed class TicketKeyRing
{
    private readonly ConcurrentDictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> KeyIds => [.. _keys.Keys];

    public void Add(string keyId, byte[] subjectPublicKeyInfo)
    {
        ValidateKeyId(keyId);
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new InvalidDataException($"Public key '{keyId}' is not a valid EC public key: {e.Message}", e);
        }

        if (!IsP256(key))
        {
            var size = key.KeySize;
            key.Dispose();
            throw new InvalidDataException(size == 256
                ? $"Public key '{keyId}' is on another 256-bit curve; badge keys are P-256."
                : $"Public key '{keyId}' is {size}-bit; badge keys are P-256.");
        }

        if (!_keys.TryAdd(keyId, key))
        {
            // The same key listed again is harmless (an older central listed its signing key among the
            // previous ones too, and an edge keeps that ledger while cut off); another key is not.
            var same = _keys[keyId].ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());
            key.Dispose();
            if (!same)
            {
                throw new InvalidDataException($"Key id '{keyId}' is listed twice with different keys; every key needs an id of its own.");
            }
        }
    }

    /// <summary>
    /// P-256 itself, not just any 256-bit curve (secp256k1 and brainpoolP256r1 are 256-bit too):
    /// badges are specified as P-256, and a key on another curve is a mix-up to stop at load.
    /// </summary>
    internal static bool IsP256(ECDsa key)
    {
        if (key.KeySize != 256)
        {
            return false;
        }

        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        return curve.IsNamed && (curve.Oid.Value == P256Oid || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256" or "secp256r1" or "prime256v1");
    }

    private const string P256Oid = "1.2.840.10045.3.1.7";

    public void AddPem(string keyId, string pem)
    {
        // Validate the id first: the catch below is for the PEM, and would misreport a bad id as a bad key.
        ValidateKeyId(keyId);
        byte[] subjectPublicKeyInfo;
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(pem);
            subjectPublicKeyInfo = key.ExportSubjectPublicKeyInfo();
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new InvalidDataException($"Public key '{keyId}' is not a PEM-encoded EC key: {e.Message}", e);
        }

        Add(keyId, subjectPublicKeyInfo);
    }

    public bool Contains(string keyId) => _keys.ContainsKey(keyId);

    /// <summary>A short name for the set of keys held (ids and keys); two rings holding the same keys have the same one.</summary>
    public string Fingerprint => FingerprintOf(_keys.Select(k => (k.Key, k.Value.ExportSubjectPublicKeyInfo())));

    /// <summary>
    /// The fingerprint of a set of keys by id and DER SubjectPublicKeyInfo: base64url of the first 16
    /// bytes of SHA-256 over each id, a zero byte, the key's length and bytes, in ordinal order of ids.
    /// </summary>
    public static string FingerprintOf(IEnumerable<(string KeyId, byte[] SubjectPublicKeyInfo)> keys)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var (keyId, key) in keys.OrderBy(k => k.KeyId, StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(keyId));
            hash.AppendData([0]);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, key.Length);
            hash.AppendData(length);
            hash.AppendData(key);
        }

        return System.Buffers.Text.Base64Url.EncodeToString(hash.GetHashAndReset().AsSpan(0, 16));
    }

    /// <summary>
    /// Makes the ring hold exactly <paramref name="keys"/>: central's list after a rotation, new keys
    /// added and retired ones dropped. Every key is checked before anything changes, so a bad list
    /// leaves the ring as it was. Returns the ids added (or whose key changed) and those dropped.
    /// </summary>
    public (IReadOnlyList<string> Added, IReadOnlyList<string> Dropped) ReplaceWith(IReadOnlyList<(string KeyId, byte[] SubjectPublicKeyInfo)> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var incoming = new TicketKeyRing();
        foreach (var (keyId, key) in keys)
        {
            incoming.Add(keyId, key);
        }

        var added = new List<string>();
        foreach (var (keyId, key) in incoming._keys)
        {
            if (!_keys.TryGetValue(keyId, out var held) || !held.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                // Not disposed when replaced: a scan on another thread may be verifying with the old key right now.
                _keys[keyId] = key;
                added.Add(keyId);
            }
        }

        var dropped = _keys.Keys.Where(k => !incoming._keys.ContainsKey(k)).ToList();
        foreach (var keyId in dropped)
        {
            _keys.TryRemove(keyId, out _);
        }

        return (added.Order(StringComparer.Ordinal).ToList(), dropped.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>The DER SubjectPublicKeyInfo of a key held, as snapshots carry it.</summary>
    public byte[] ExportPublicKey(string keyId) => _keys[keyId].ExportSubjectPublicKeyInfo();

    /// <summary>Checks a badge's signature against the key its key id names.</summary>
    public SignatureCheck Verify(in DecodedBadge badge)
    {
        if (!_keys.TryGetValue(badge.Claims.KeyId, out var key))
        {
            return SignatureCheck.UnknownKey;
        }

        return key.VerifyData(badge.Payload, badge.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            ? SignatureCheck.Valid
            : SignatureCheck.Invalid;
    }

    internal static string ValidateKeyId(string keyId)
    {
        if (string.IsNullOrWhiteSpace(keyId) || keyId.Length > 32 || !keyId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"Key id '{keyId}' must be 1 to 32 letters, digits, '-' or '_'.", nameof(keyId));
        }

        return keyId;
    }
}

public enum SignatureCheck
{
    Valid,
    Invalid,
    UnknownKey,
}
