namespace Venue.Domain.Portals;

/// <summary>
/// Some of a portal's decided passes could not move their attendee (a zone or one of its stream
/// subscribers failed). The portal applied every other pass of the call (<see cref="Moved"/> moved)
/// and counted these in <see cref="PortalStatus.MoveFailures"/>; their reads stay in the journal, so
/// a replay makes right whatever of those passes did not finish.
/// </summary>
public sealed class PortalMovesFailedException(string portalId, int failed, int decided, int moved, IReadOnlyList<Exception> failures)
    : AggregateException($"Portal '{portalId}': {failed} of {decided} decided passes failed to apply ({failures[0].Message}).", failures)
{
    public string PortalId { get; } = portalId;

    public int Failed { get; } = failed;

    /// <summary>Passes of the same call that did move their attendee.</summary>
    public int Moved { get; } = moved;
}
