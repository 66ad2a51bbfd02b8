using Venue.Central.Silo;
using Venue.OpsConsole.Model;

namespace Venue.Central.OpsConsole;

/// <summary>Acknowledges conflicts in central's store for ops users, and tells every console.</summary>
public sealed class CentralConflictDesk(CentralSiloService host, ConsoleModel model) : IConflictDesk
{
    public async Task<ConflictView?> AcknowledgeAsync(long id, string by, CancellationToken cancellationToken)
    {
        var silo = host.Silo;
        if (id < 1 || !await silo.Store.AcknowledgeConflictAsync(id, by, silo.Time.GetUtcNow(), cancellationToken))
        {
            return null;
        }

        // Read back: a conflict acknowledged once keeps its first acknowledgement, and a late exit may have resolved it since.
        var stored = await silo.Store.ListConflictsAsync(id - 1, 1, cancellationToken);
        if (stored is not [{ } conflict] || conflict.Id != id)
        {
            return null;
        }

        var view = CentralConsoleFeeder.ToView(conflict);
        model.Conflict(view);
        return view;
    }
}
