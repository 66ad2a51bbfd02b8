using Venue.Testing.Postgres;

namespace Venue.Storage.Tests.Central;

/// <summary>
/// PostgreSQL tests that measure the whole process (the live heap), so they run after the others, one
/// at a time, on a server of their own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PostgresAloneCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres, measured alone";
}
