using Venue.Domain.Sync;
using Venue.Domain.Telemetry;

namespace Venue.Central.Sync;

/// <summary>
/// What central accepts in <c>PUT /v1/sync/status</c> (docs/sync-protocol.md, "Status"): the silo
/// table's columns are NOT NULL, and a floor is kept as the edge's latest view and compared zone by
/// zone with the next one, so a report is checked whole before any of it is stored.
/// </summary>
internal static class EdgeStatusRules
{
    /// <summary>The statuses an edge reports of itself (central alone shows an edge <c>offline</c>).</summary>
    public static readonly IReadOnlyList<string> Statuses = ["online", "degraded"];

    /// <summary>What is wrong with the report, naming the field; null when it may be stored.</summary>
    public static string? Problem(EdgeStatusWire status)
    {
        if (string.IsNullOrEmpty(status.EdgeId))
        {
            return "edgeId is required.";
        }

        if (status.Status is null || !Statuses.Contains(status.Status, StringComparer.Ordinal))
        {
            return $"status is required and is one of {string.Join(", ", Statuses)}.";
        }

        if (status.JournalSequence < 0 || status.UploadedSequence < 0 || status.LedgerVersion < 0)
        {
            return $"{(status.JournalSequence < 0 ? "journalSequence" : status.UploadedSequence < 0 ? "uploadedSequence" : "ledgerVersion")} must be 0 or more.";
        }

        if (!(status.JournalLagMs >= 0) || !double.IsFinite(status.JournalLagMs))
        {
            return "journalLagMs must be a number, 0 or more.";
        }

        if (!(status.SyncLagMs >= 0) || !double.IsFinite(status.SyncLagMs))
        {
            return "syncLagMs must be a number, 0 or more.";
        }

        return status.Floor is { } floor ? FloorProblem(floor) : null;
    }

    private static string? FloorProblem(FloorWire floor)
    {
        if (floor.At == default)
        {
            return "floor.at is required.";
        }

        if (floor.Zones is null)
        {
            return "floor.zones is required (an empty array for none).";
        }

        if (floor.Booths is null)
        {
            return "floor.booths is required (an empty array for none).";
        }

        var zones = new HashSet<string>(floor.Zones.Count, StringComparer.Ordinal);
        for (var i = 0; i < floor.Zones.Count; i++)
        {
            var zone = floor.Zones[i];
            var at = $"floor.zones[{i}]";
            if (zone is null)
            {
                return $"{at} must be a zone object, not null.";
            }

            if (string.IsNullOrEmpty(zone.Zone))
            {
                return $"{at}.zone is required.";
            }

            if (!zones.Add(zone.Zone))
            {
                return $"{at}.zone '{zone.Zone}' appears twice in the floor.";
            }

            if (zone.Name is null)
            {
                return $"{at}.name is required.";
            }

            if (zone.Level is null || !Enum.GetNames<ZoneLevel>().Contains(zone.Level, StringComparer.Ordinal))
            {
                return $"{at}.level is required and is one of {string.Join(", ", Enum.GetNames<ZoneLevel>())}.";
            }

            if (zone.Occupancy < 0 || zone.Capacity < 0 || zone.Peak < 0)
            {
                return $"{at}: occupancy, capacity and peak must be 0 or more.";
            }
        }

        var booths = new HashSet<string>(floor.Booths.Count, StringComparer.Ordinal);
        for (var i = 0; i < floor.Booths.Count; i++)
        {
            var booth = floor.Booths[i];
            var at = $"floor.booths[{i}]";
            if (booth is null)
            {
                return $"{at} must be a booth object, not null.";
            }

            if (string.IsNullOrEmpty(booth.Booth))
            {
                return $"{at}.booth is required.";
            }

            if (!booths.Add(booth.Booth))
            {
                return $"{at}.booth '{booth.Booth}' appears twice in the floor.";
            }

            if (booth.Name is null)
            {
                return $"{at}.name is required.";
            }

            if (booth.Leads < 0 || booth.Visits < 0 || booth.Visitors < 0 || booth.Score < 0)
            {
                return $"{at}: leads, visits, visitors and score must be 0 or more.";
            }
        }

        return null;
    }
}
