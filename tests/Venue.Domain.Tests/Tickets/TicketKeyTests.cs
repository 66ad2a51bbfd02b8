using System.Security.Cryptography;
using Venue.Domain.Tickets;

namespace Venue.Domain.Tests.Tickets;

public sealed class TicketKeyTests
{
    private static BadgeClaims ClaimsFor(string keyId) => new(keyId, "expo-2030", "A-1", "general", 0, 0);

    private static DecodedBadge Decode(string token)
    {
        Assert.True(BadgeToken.TryDecode(token, out var badge, out var error), error);
        return badge;
    }

    [Fact]
    public void A_ring_holding_two_keys_verifies_badges_signed_with_either_during_rotation()
    {
        using var k1 = TicketSigningKey.Create("k1");
        using var k2 = TicketSigningKey.Create("k2");
        var ring = new TicketKeyRing();
        ring.Add(k1.KeyId, k1.ExportPublicKey());
        ring.Add(k2.KeyId, k2.ExportPublicKey());

        Assert.Equal(SignatureCheck.Valid, ring.Verify(Decode(k1.Issue(ClaimsFor("k1")))));
        Assert.Equal(SignatureCheck.Valid, ring.Verify(Decode(k2.Issue(ClaimsFor("k2")))));
        Assert.Equal(["k1", "k2"], ring.KeyIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_ring_replaced_with_central_s_list_verifies_the_new_key_and_no_longer_the_dropped_one()
    {
        using var k1 = TicketSigningKey.Create("k1");
        using var k2 = TicketSigningKey.Create("k2");
        var ring = new TicketKeyRing();
        ring.Add("k1", k1.ExportPublicKey());

        var (added, dropped) = ring.ReplaceWith([("k2", k2.ExportPublicKey())]);

        Assert.Equal(["k2"], added);
        Assert.Equal(["k1"], dropped);
        Assert.Equal(SignatureCheck.Valid, ring.Verify(Decode(k2.Issue(ClaimsFor("k2")))));
        Assert.Equal(SignatureCheck.UnknownKey, ring.Verify(Decode(k1.Issue(ClaimsFor("k1")))));
    }

    [Fact]
    public void A_replacement_list_with_a_bad_key_leaves_the_ring_as_it_was()
    {
        using var k1 = TicketSigningKey.Create("k1");
        using var k2 = TicketSigningKey.Create("k2");
        var ring = new TicketKeyRing();
        ring.Add("k1", k1.ExportPublicKey());
        var before = ring.Fingerprint;

        Assert.Throws<InvalidDataException>(() => ring.ReplaceWith([("k2", k2.ExportPublicKey()), ("k3", [1, 2, 3])]));

        Assert.Equal(["k1"], ring.KeyIds);
        Assert.Equal(before, ring.Fingerprint);
        Assert.Equal(SignatureCheck.Valid, ring.Verify(Decode(k1.Issue(ClaimsFor("k1")))));
    }

    [Fact]
    public void A_key_given_another_key_under_its_id_is_replaced_and_the_fingerprint_tells_the_two_sets_apart()
    {
        using var first = TicketSigningKey.Create("k1");
        using var second = TicketSigningKey.Create("k1");
        var ring = new TicketKeyRing();
        ring.Add("k1", first.ExportPublicKey());
        var before = ring.Fingerprint;

        var (added, dropped) = ring.ReplaceWith([("k1", second.ExportPublicKey())]);

        Assert.Equal(["k1"], added);
        Assert.Empty(dropped);
        Assert.NotEqual(before, ring.Fingerprint);
        Assert.Equal(SignatureCheck.Invalid, ring.Verify(Decode(first.Issue(ClaimsFor("k1")))));
        // Order of listing does not matter; the same set has the same fingerprint.
        using var other = TicketSigningKey.Create("k0");
        Assert.Equal(
            TicketKeyRing.FingerprintOf([("k0", other.ExportPublicKey()), ("k1", second.ExportPublicKey())]),
            TicketKeyRing.FingerprintOf([("k1", second.ExportPublicKey()), ("k0", other.ExportPublicKey())]));
    }

    [Fact]
    public void A_badge_naming_one_key_but_signed_with_another_fails_verification()
    {
        using var k1 = TicketSigningKey.Create("k1");
        using var k2 = TicketSigningKey.Create("k2");
        var ring = new TicketKeyRing();
        ring.Add(k1.KeyId, k1.ExportPublicKey());
        ring.Add(k2.KeyId, k2.ExportPublicKey());

        // Sign claims naming k2 with k1's private key, as a forger holding only k1 would.
        using var k1Private = ECDsa.Create();
        k1Private.ImportFromPem(k1.ExportPrivatePem());
        var payload = BadgeToken.EncodePayload(ClaimsFor("k2"));
        var signature = k1Private.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        Assert.Equal(SignatureCheck.Invalid, ring.Verify(Decode(BadgeToken.Encode(payload, signature))));
    }

    [Fact]
    public void A_signing_key_refuses_claims_that_name_another_key_id()
    {
        using var key = TicketSigningKey.Create("k1");

        var thrown = Assert.Throws<ArgumentException>(() => key.Issue(ClaimsFor("k2")));
        Assert.Contains("k2", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Signatures_are_randomized_so_two_issues_of_the_same_claims_differ()
    {
        using var key = TicketSigningKey.Create("k1");

        Assert.NotEqual(key.Issue(ClaimsFor("k1")), key.Issue(ClaimsFor("k1")));
    }

    [Fact]
    public void A_private_key_exported_as_PEM_and_imported_again_signs_badges_the_original_public_key_verifies()
    {
        using var original = TicketSigningKey.Create("k1");
        var pem = original.ExportPrivatePem();
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem, StringComparison.Ordinal);

        using var imported = TicketSigningKey.FromPrivatePem("k1", pem);
        var ring = new TicketKeyRing();
        ring.Add("k1", original.ExportPublicKey());

        Assert.Equal("k1", imported.KeyId);
        Assert.Equal(original.ExportPublicKey(), imported.ExportPublicKey());
        Assert.Equal(SignatureCheck.Valid, ring.Verify(Decode(imported.Issue(ClaimsFor("k1")))));
    }

    [Fact]
    public void A_public_key_exported_as_PEM_and_added_to_a_ring_verifies_the_keys_badges()
    {
        using var key = TicketSigningKey.Create("k1");
        var pem = key.ExportPublicPem();
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", pem, StringComparison.Ordinal);
        var ring = new TicketKeyRing();

        ring.AddPem("k1", pem);

        Assert.True(ring.Contains("k1"));
        Assert.Equal(SignatureCheck.Valid, ring.Verify(Decode(key.Issue(ClaimsFor("k1")))));
    }

    [Fact]
    public void A_signing_key_cannot_be_made_from_a_public_key_PEM()
    {
        using var key = TicketSigningKey.Create("k1");

        Assert.Throws<InvalidDataException>(() => TicketSigningKey.FromPrivatePem("k1", key.ExportPublicPem()));
    }

    [Fact]
    public void A_signing_key_cannot_be_made_from_a_P384_key()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        var thrown = Assert.Throws<InvalidDataException>(() => TicketSigningKey.FromPrivatePem("k1", p384.ExportPkcs8PrivateKeyPem()));
        Assert.Contains("384", thrown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a key")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")]
    public void A_signing_key_cannot_be_made_from_text_that_is_not_a_PEM_private_key(string pem)
    {
        Assert.Throws<InvalidDataException>(() => TicketSigningKey.FromPrivatePem("k1", pem));
    }

    [Fact]
    public void A_ring_refuses_a_P384_public_key()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var ring = new TicketKeyRing();

        var thrown = Assert.Throws<InvalidDataException>(() => ring.Add("k1", p384.ExportSubjectPublicKeyInfo()));
        Assert.Contains("P-256", thrown.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => ring.AddPem("k1", p384.ExportSubjectPublicKeyInfoPem()));
        Assert.False(ring.Contains("k1"));
    }

    [Theory]
    [InlineData("secp256k1")]
    [InlineData("brainpoolP256r1")]
    public void A_ring_and_a_signing_key_refuse_a_256_bit_key_on_another_curve(string curve)
    {
        using var other = ECDsa.Create(ECCurve.CreateFromFriendlyName(curve));
        Assert.Equal(256, other.KeySize);
        var ring = new TicketKeyRing();

        var thrown = Assert.Throws<InvalidDataException>(() => ring.Add("k1", other.ExportSubjectPublicKeyInfo()));
        Assert.Contains("another 256-bit curve", thrown.Message, StringComparison.Ordinal);
        Assert.False(ring.Contains("k1"));
        Assert.Throws<InvalidDataException>(() => TicketSigningKey.FromPrivatePem("k1", other.ExportPkcs8PrivateKeyPem()));
    }

    [Fact]
    public void A_ring_refuses_another_key_under_an_id_it_holds_and_takes_the_same_key_again()
    {
        using var first = TicketSigningKey.Create("k1");
        using var second = TicketSigningKey.Create("k1");
        var ring = new TicketKeyRing();
        ring.Add("k1", first.ExportPublicKey());

        var thrown = Assert.Throws<InvalidDataException>(() => ring.Add("k1", second.ExportPublicKey()));

        Assert.Contains("listed twice", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(first.ExportPublicKey(), ring.ExportPublicKey("k1"));

        // The same key again changes nothing and is not an error.
        ring.Add("k1", first.ExportPublicKey());
        Assert.Equal(["k1"], ring.KeyIds);
    }

    [Fact]
    public void A_ring_refuses_an_RSA_key_and_bytes_that_are_not_a_key()
    {
        using var rsa = RSA.Create(2048);
        var ring = new TicketKeyRing();

        Assert.Throws<InvalidDataException>(() => ring.Add("k1", rsa.ExportSubjectPublicKeyInfo()));
        Assert.Throws<InvalidDataException>(() => ring.Add("k1", [1, 2, 3, 4]));
        Assert.Throws<InvalidDataException>(() => ring.AddPem("k1", "not a key"));
        Assert.Throws<InvalidDataException>(() => ring.AddPem("k1", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"));
        Assert.Throws<InvalidDataException>(() => ring.AddPem("k1", rsa.ExportSubjectPublicKeyInfoPem()));
        Assert.Empty(ring.KeyIds);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("k 1")]
    [InlineData("k.1")]
    [InlineData("k/1")]
    [InlineData("ключ")]
    [InlineData("k1\n")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")]
    public void Key_ids_other_than_1_to_32_letters_digits_dashes_or_underscores_are_refused(string keyId)
    {
        using var valid = TicketSigningKey.Create("k1");
        var ring = new TicketKeyRing();

        Assert.Throws<ArgumentException>(() => TicketSigningKey.Create(keyId));
        Assert.Throws<ArgumentException>(() => TicketSigningKey.FromPrivatePem(keyId, valid.ExportPrivatePem()));
        Assert.Throws<ArgumentException>(() => ring.Add(keyId, valid.ExportPublicKey()));
        Assert.Throws<ArgumentException>(() => ring.AddPem(keyId, valid.ExportPublicPem()));
        Assert.Empty(ring.KeyIds);
    }

    [Theory]
    [InlineData("k1")]
    [InlineData("2030-06_rotation-B")]
    [InlineData("abcdefghijklmnopqrstuvwxyz012345")]
    public void Key_ids_of_letters_digits_dashes_and_underscores_up_to_32_characters_are_accepted(string keyId)
    {
        using var key = TicketSigningKey.Create(keyId);
        var ring = new TicketKeyRing();
        ring.Add(keyId, key.ExportPublicKey());

        Assert.Equal(SignatureCheck.Valid, ring.Verify(Decode(key.Issue(ClaimsFor(keyId)))));
    }

    [Fact]
    public async Task One_ring_verifies_correctly_from_many_threads_at_once()
    {
        using var key = TicketSigningKey.Create("k1");
        var ring = new TicketKeyRing();
        ring.Add("k1", key.ExportPublicKey());
        var genuine = Decode(key.Issue(ClaimsFor("k1")));
        var bytes = (byte[])genuine.Bytes.Clone();
        bytes[^1] ^= 1;
        var forged = genuine with { Bytes = bytes };
        var start = Signal.New();

        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            await start.Task;
            var wrong = 0;
            for (var i = 0; i < 200; i++)
            {
                var forge = (i + w) % 2 == 0;
                if (ring.Verify(forge ? forged : genuine) != (forge ? SignatureCheck.Invalid : SignatureCheck.Valid))
                {
                    wrong++;
                }
            }

            return wrong;
        })).ToList();
        start.SetResult();

        Assert.Equal(0, (await Task.WhenAll(workers).WithTimeout("8 threads verifying badges")).Sum());
    }
}
