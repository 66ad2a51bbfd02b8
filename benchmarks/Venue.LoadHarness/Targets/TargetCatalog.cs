using Venue.LoadHarness.Targets.Postgres;
using Venue.LoadHarness.Targets.Redis;
using Venue.LoadHarness.Targets.Sqlite;

namespace Venue.LoadHarness.Targets;

/// <summary>The targets the harness knows, by command-line name.</summary>
internal static partial class TargetCatalog
{
    /// <summary>
    /// Run when --targets is not given, in this order: Venue first (the others are compared with
    /// it), the calibrations last.
    /// </summary>
    public static IReadOnlyList<string> Defaults { get; } =
        ["venue-inproc", "venue-http", "redis-always", "redis-default", "sqlite", "sqlite-group", "postgres", "harness-floor", "disk-floor"];

    public static IReadOnlyList<string> All { get; } = [.. Defaults, "redis-everysec"];

    public static ICheckInTarget Create(string name) => name switch
    {
        "redis-always" => new RedisCheckInTarget(name, RedisPersistence.AofAlways),
        "redis-everysec" => new RedisCheckInTarget(name, RedisPersistence.AofEverySec),
        "redis-default" => new RedisCheckInTarget(name, RedisPersistence.Default),
        "sqlite" => new SqliteCheckInTarget(groupCommit: false),
        "sqlite-group" => new SqliteCheckInTarget(groupCommit: true),
        "postgres" => new PostgresCheckInTarget(),
        "harness-floor" => new HarnessFloorTarget(),
        "disk-floor" => new DiskFloorTarget(),
        "venue-inproc" or "venue-http" => CreateVenue(name),
        _ => throw new ArgumentException($"Unknown target '{name}'. Known: {string.Join(", ", All)}."),
    };

    /// <summary>The harness' own floor and the disk's: shown for calibration, never compared.</summary>
    public static bool IsCalibration(string name) => name is "harness-floor" or "disk-floor";

    /// <summary>True for the targets the peers are compared with.</summary>
    public static bool IsVenue(string name) => name.StartsWith("venue-", StringComparison.Ordinal);
}
