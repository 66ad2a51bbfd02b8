namespace Venue.Domain.Central;

/// <summary>
/// This process's claim to be the one central on a store. Central's reconciliation (who is inside,
/// which badges were admitted at two edges) lives in its memory, rebuilt from the store on start:
/// a second central on the same store would not see the first one's passages, and would replace
/// the conflicts it stored. The claim is released when disposed, and by the operating system or the
/// database when the process dies.
/// </summary>
public interface ICentralClaim : IAsyncDisposable
{
    /// <summary>
    /// Whether the claim still stands, taking it again when the store lost it (a database restart
    /// ends the session that held it); false when another central took it meanwhile. Throws when
    /// the store cannot be reached: try again later.
    /// </summary>
    Task<bool> RenewAsync(CancellationToken cancellationToken = default);
}
