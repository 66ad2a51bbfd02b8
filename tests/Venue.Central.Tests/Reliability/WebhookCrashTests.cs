using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Venue.Central.Tests.Integrator;
using Venue.Central.Webhooks;
using Venue.Domain.Tickets;
using Venue.Testing.Processes;

namespace Venue.Central.Tests.Reliability;

/// <summary>A real <c>venue central</c> SIGKILLed while a webhook delivery is in flight, and started again.</summary>
public sealed class WebhookCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_delivery_in_flight_when_central_is_SIGKILLed_is_delivered_after_it_restarts_under_the_same_id()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output)
            || !Requirement.Met(!OperatingSystem.IsWindows(), "POSIX signals (SIGKILL)", output))
        {
            return;
        }

        // The first request is left hanging: central dies with it unanswered. Then the receiver answers 200.
        await using var receiver = await WebhookReceiver.StartAsync(WebhookReceiver.Hang);
        using var directory = new TempDirectory();
        Directory.CreateDirectory(directory.File("keys"));
        using (var key = TicketSigningKey.Create("k1"))
        {
            await File.WriteAllTextAsync(directory.File("keys/k1.private.pem"), key.ExportPrivatePem());
        }

        var config = directory.File("central.json");
        await File.WriteAllTextAsync(config, """
            {
              "Central": {
                "DataDirectory": "data",
                "EventId": "webhook-crash",
                "SigningKeyPath": "keys/k1.private.pem",
                "TicketTypes": [{ "Name": "general", "Reentry": true }],
                "Webhooks": { "AllowPrivateAddresses": true, "RequestTimeout": "00:05:00" }
              }
            }
            """);
        var created = await VenueExecutable.RunAsync(directory.Path, Limit,
            "keys", "api", "create", "--name", "crm", "--scope", "webhooks:write,attendees:write", "--config", config);
        Assert.True(created.ExitCode == 0, created.ToString());

        var central = await SiloProcess.StartAsync(SiloStart.Central(config, directory.Path), Limit);
        try
        {
            using var api = new HttpClient { BaseAddress = central.Address, Timeout = Limit };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.StandardOutput.Trim());
            using var hook = await api.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url, eventTypes = new[] { "attendee.registered" } });
            Assert.True(hook.IsSuccessStatusCode, await hook.Content.ReadAsStringAsync());
            var id = JsonDocument.Parse(await hook.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
            using var registered = await api.PostAsync("/v1/attendees", new StringContent("""{"id": "A1", "name": "Ada", "ticketType": "general"}""", Encoding.UTF8, "application/json"));
            Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
            await receiver.Requests(1).WithTimeout("the delivery to reach the receiver, which leaves it hanging");

            central = await central.RestartAfterKillAsync(Limit);

            await receiver.Requests(2).WithTimeout("the delivery to be sent again by the restarted central");
            using var after = new HttpClient { BaseAddress = central.Address, Timeout = Limit };
            after.DefaultRequestHeaders.Authorization = api.DefaultRequestHeaders.Authorization;
            await Eventually.UntilAsync(async () =>
                JsonDocument.Parse(await after.GetStringAsync($"/v1/webhooks/{id}")).RootElement.GetProperty("deliveries").GetProperty("delivered").GetInt64() == 1,
                Limit, "the restarted central to record the delivery as delivered");
        }
        finally
        {
            await central.DisposeAsync();
        }

        var received = receiver.Received;
        Assert.Equal([WebhookReceiver.Hang, 200], received.Select(r => r.AnsweredWith));
        Assert.Single(received.Select(r => r.Headers[WebhookDispatcher.IdHeader]).Distinct());
        Assert.Equal(received[0].Text, received[1].Text);
        Assert.Equal("A1", JsonDocument.Parse(received[1].Body).RootElement.GetProperty("data").GetProperty("id").GetString());
    }
}
