namespace Venue.OpsConsole.Feed;

/// <summary>Why a client must reload the snapshot instead of resuming (the <c>reason</c> of a <c>resync</c> event).</summary>
public enum ResyncReason
{
    /// <summary>Its last event is older than the replay buffer holds.</summary>
    Behind,
    /// <summary>
    /// It read too slowly: while connected it fell more than the ring (<see cref="LiveFeedOptions.ReplayCapacity"/>)
    /// behind live, so its next event was overwritten before it was sent. The publisher never waits for a client.
    /// </summary>
    Slow,
    /// <summary>Its last event id is from an earlier run of the silo (another epoch).</summary>
    Restarted,
    /// <summary>Its last event id is not one this feed issued (malformed, or ahead of the feed).</summary>
    Unknown,
}
