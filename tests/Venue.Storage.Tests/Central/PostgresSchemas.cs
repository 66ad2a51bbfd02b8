using Npgsql;

namespace Venue.Storage.Tests.Central;

/// <summary>A fresh schema per test inside a class's database: as isolated as a database, far cheaper to make.</summary>
internal static class PostgresSchemas
{
    /// <summary>Creates an empty schema and returns a connection string whose search path starts there.</summary>
    public static async Task<string> CreateAsync(string databaseConnectionString)
    {
        var schema = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(databaseConnectionString) { Pooling = false }.ToString()))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(databaseConnectionString) { SearchPath = schema }.ToString();
    }
}
