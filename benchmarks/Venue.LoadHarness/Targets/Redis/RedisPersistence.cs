namespace Venue.LoadHarness.Targets.Redis;

/// <summary>How the Redis peer is made durable.</summary>
public enum RedisPersistence
{
    /// <summary><c>appendonly yes</c>, <c>appendfsync always</c>: fsync of the AOF before replying; Redis' most durable mode.</summary>
    AofAlways,

    /// <summary><c>appendonly yes</c>, <c>appendfsync everysec</c>: up to a second of acknowledged writes can be lost.</summary>
    AofEverySec,

    /// <summary>Redis' built-in defaults: no AOF, RDB snapshots at most every minute; acknowledged writes can be lost.</summary>
    Default,
}
