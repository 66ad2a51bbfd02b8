namespace Venue.Domain.Central;

/// <summary>The silo table.</summary>
public interface ISiloStore
{
    Task UpsertSiloAsync(SiloRecord silo, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<SiloRecord>> ListSilosAsync(CancellationToken cancellationToken = default);
}
