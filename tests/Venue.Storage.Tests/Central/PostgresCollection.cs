using Venue.Testing.Postgres;

namespace Venue.Storage.Tests.Central;

/// <summary>One real PostgreSQL server for every test class in this assembly that joins the collection.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
