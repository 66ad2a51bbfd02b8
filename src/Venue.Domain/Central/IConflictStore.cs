namespace Venue.Domain.Central;

/// <summary>Conflicts found by reconciliation.</summary>
public interface IConflictStore
{
    /// <summary>
    /// Makes the stored conflicts of one attendee exactly <paramref name="current"/> (matched by
    /// <see cref="Conflict.Key"/>): new ones are added, existing ones keep their id and
    /// acknowledgement, ones no longer found are removed (a late exit can explain a double admission).
    /// Returns the conflicts that were added. <paramref name="webhookEvent"/> makes the webhook event of
    /// each added conflict (with its id), queued in the same transaction.
    /// </summary>
    Task<IReadOnlyList<Conflict>> ReplaceConflictsAsync(string attendeeId, IReadOnlyList<Conflict> current, Func<Conflict, WebhookEvent>? webhookEvent = null,
        CancellationToken cancellationToken = default);

    /// <summary>Conflicts after an id, in id order.</summary>
    Task<IReadOnlyList<Conflict>> ListConflictsAsync(long afterId, int limit, CancellationToken cancellationToken = default);

    Task<long> CountConflictsAsync(CancellationToken cancellationToken = default);

    /// <summary>Marks a conflict seen by an ops user; false when there is no such conflict.</summary>
    Task<bool> AcknowledgeConflictAsync(long id, string by, DateTimeOffset at, CancellationToken cancellationToken = default);
}
