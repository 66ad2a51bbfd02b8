namespace Venue.Domain.Portals;

/// <summary>
/// A portal's counters since start (or since the replay that rebuilt it). <see cref="Reads"/> =
/// <see cref="Passes"/> + <see cref="Absorbed"/> + <see cref="LateReads"/> + <see cref="MisroutedReads"/> + <see cref="UnknownTagReads"/>.
/// <see cref="MoveFailures"/>: decided passes whose attendee could not be moved (see <see cref="PortalMovesFailedException"/>).
/// </summary>
public sealed record PortalStatus(
    string PortalId,
    string Name,
    long Reads,
    long Absorbed,
    long Passes,
    long MovementsIn,
    long MovementsOut,
    long SingleAntenna,
    long SingleAntennaIgnored,
    long Undecided,
    long AlreadyThere,
    long OutOfOrder,
    long NotAdmitted,
    long LateReads,
    long MisroutedReads,
    long UnknownTagReads,
    int OpenPasses,
    DateTimeOffset? LastReadAt,
    long MoveFailures = 0);
