using Venue.Domain.Central;

namespace Venue.Cli.Dashboard;

/// <summary>
/// Central's most recent conflicts for the dashboard. It reads after a cursor, so a refresh reads
/// only the conflicts found since the last one, however many the event has. A line stays as found:
/// a conflict a late exit explains afterwards leaves the store (and the console) but stays here
/// until newer lines push it out.
/// </summary>
public sealed class ConflictWatch(IConflictStore store)
{
    /// <summary>Lines kept; the panel shows the last few.</summary>
    public const int Kept = 50;

    private const int Page = 500;
    private readonly Queue<string> _lines = new();
    private long _after;

    public async Task<IReadOnlyList<string>> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await store.ListConflictsAsync(_after, Page, cancellationToken);
            foreach (var conflict in page)
            {
                _lines.Enqueue(Describe(conflict));
                if (_lines.Count > Kept)
                {
                    _lines.Dequeue();
                }

                _after = conflict.Id;
            }

            if (page.Count < Page)
            {
                return [.. _lines];
            }
        }
    }

    public static string Describe(Conflict c) =>
        $"{c.DetectedAt:HH:mm:ss} {c.AttendeeId}: admitted at {c.First.EdgeId} {c.First.GateId} {c.First.At:HH:mm:ss} and at {c.Second.EdgeId} {c.Second.GateId} {c.Second.At:HH:mm:ss}";
}
