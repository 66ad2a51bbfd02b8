using Npgsql;
using Venue.Domain.Central;
using Venue.Storage.Postgres;
using Venue.Testing.Postgres;
using Xunit.Abstractions;

namespace Venue.Storage.Tests.Central;

/// <summary>
/// The conformance suite against a real PostgreSQL server. The class has a database of its own;
/// each test a schema of its own in it (the store creates its tables in the search path's first schema).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCentralStoreTests(PostgresFixture postgres, ITestOutputHelper output) : CentralStoreConformance(output)
{
    private string? _connectionString;

    protected override async Task<ICentralStore?> CreateStoreAsync()
    {
        if (postgres.Server is null)
        {
            return null;
        }

        _connectionString = await PostgresSchemas.CreateAsync(await postgres.DatabaseAsync("central_conformance"));
        var store = PostgresCentralStore.Create(_connectionString, Time);
        await store.MigrateAsync();
        return store;
    }

    protected override bool RequirementMet() => postgres.Met(Output);

    protected override Task<ICentralStore> OpenSecondStoreAsync() =>
        Task.FromResult<ICentralStore>(PostgresCentralStore.Create(_connectionString!, Time));

    [Fact]
    public async Task Migrations_record_their_version_in_the_schema_version_table()
    {
        if (!Ready) return;
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT version FROM schema_version", connection);

        Assert.Equal(await Store.MigrateAsync(), await read.ExecuteScalarAsync());
    }
}
