namespace Venue.OpsConsole.Model;

/// <summary>Acknowledges conflicts for ops users. Only central has conflicts; an edge registers none.</summary>
public interface IConflictDesk
{
    /// <summary>The conflict as acknowledged, or null when there is no such conflict.</summary>
    Task<ConflictView?> AcknowledgeAsync(long id, string by, CancellationToken cancellationToken);
}
