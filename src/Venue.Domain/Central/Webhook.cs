namespace Venue.Domain.Central;

/// <summary>An integrator's webhook: where to POST which event types, and the secret deliveries are signed with.</summary>
public sealed record Webhook(string Id, string Url, IReadOnlyList<string> EventTypes, string Secret, DateTimeOffset CreatedAt)
{
    // The text form (a log line, an exception, a debugger) leaves the secret out: it is shown once, at creation.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Id = ").Append(Id).Append(", Url = ").Append(Url)
            .Append(", EventTypes = [").Append(string.Join(", ", EventTypes)).Append("], Secret = ***, CreatedAt = ")
            .Append(CreatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        return true;
    }
}

/// <summary>Something that happened, to be delivered to every webhook registered for its type.</summary>
public sealed record WebhookEvent(string Type, string PayloadJson, DateTimeOffset At);

/// <summary>One event on its way to one webhook (a row of the outbox).</summary>
public sealed record WebhookDelivery(long Id, Webhook Webhook, string EventType, string PayloadJson, DateTimeOffset EventAt, int Attempts, DateTimeOffset NextAttemptAt);

/// <summary>One webhook's outbox: deliveries pending, delivered and given up, and the newest undelivered one's error.</summary>
public sealed record WebhookDeliveryStatus(long Pending, long Delivered, long Failed, string? LastError);
