using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Venue.Central.Webhooks;

namespace Venue.Central.Tests.Integrator;

public sealed class WebhookSignatureTests
{
    private const string Secret = "whsec_3q2-7wAAAAAtest";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":7,"type":"attendee.registered","data":{"id":"A1"}}""");
    private static readonly DateTimeOffset Now = new(2030, 6, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_recipient_can_recompute_the_signature_from_the_documented_recipe()
    {
        var t = Now.ToUnixTimeSeconds();

        var header = WebhookSignature.Create(Secret, t, Body);

        // The recipe in docs/integrator-api.md, written out independently of WebhookSignature.
        var signed = Encoding.UTF8.GetBytes(t.ToString(CultureInfo.InvariantCulture) + ".").Concat(Body).ToArray();
        var hex = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), signed));
        Assert.Equal($"t={t},v1={hex}", header);
    }

    [Fact]
    public void Verification_accepts_the_genuine_delivery_only()
    {
        var header = WebhookSignature.Create(Secret, Now.ToUnixTimeSeconds(), Body);
        var tolerance = WebhookSignature.DefaultTolerance;

        Assert.True(WebhookSignature.Verify(header, Secret, Body, Now.AddSeconds(30), tolerance));
        Assert.False(WebhookSignature.Verify(header, "whsec_other", Body, Now, tolerance), "another secret");
        Assert.False(WebhookSignature.Verify(header, Secret, [.. Body, (byte)' '], Now, tolerance), "a changed body");
        Assert.False(WebhookSignature.Verify(header, Secret, Body, Now.AddMinutes(6), tolerance), "a replay after the tolerance");
        Assert.False(WebhookSignature.Verify(header.Replace("t=", "t=1", StringComparison.Ordinal), Secret, Body, Now, TimeSpan.MaxValue), "a changed timestamp");
        Assert.False(WebhookSignature.Verify("v1=abc", Secret, Body, Now, tolerance), "no timestamp");
        Assert.False(WebhookSignature.Verify(null, Secret, Body, Now, tolerance), "no header");
        // A forged timestamp past what a DateTimeOffset holds is refused, not thrown on (a receiver would answer 500).
        Assert.False(WebhookSignature.Verify($"t=99999999999999,v1={new string('0', 64)}", Secret, Body, Now, tolerance), "a timestamp out of range");
    }

    [Fact]
    public void A_webhook_attempt_written_out_as_text_leaves_the_secret_out()
    {
        var webhook = new Domain.Central.Webhook("w1", "https://crm.example/hooks", ["attendee.registered"], Secret, Now);
        var delivery = new Domain.Central.WebhookDelivery(7, webhook, "attendee.registered", "{}", Now, 0, Now);

        // What a log line or a metrics handler of WebhookDispatcher.Attempted would print.
        var text = new WebhookAttempt(delivery, "HTTP 500", null).ToString();

        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.Contains("https://crm.example/hooks", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Retries_back_off_doubling_from_one_second_to_ten_minutes_within_twenty_percent()
    {
        var options = new WebhookDispatcherOptions();

        var middle = Enumerable.Range(1, 13).Select(n => WebhookDispatcher.Backoff(n, options, 0.5).TotalSeconds).ToArray();

        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600, 600], middle);
        Assert.Equal(0.8, WebhookDispatcher.Backoff(1, options, 0).TotalSeconds, 6);
        Assert.Equal(1.2, WebhookDispatcher.Backoff(1, options, 0.999_999).TotalSeconds, 4);
        Assert.Equal(720, WebhookDispatcher.Backoff(100, options, 0.999_999).TotalSeconds, 1);
    }
}
