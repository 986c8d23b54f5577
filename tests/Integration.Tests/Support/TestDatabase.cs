using Npgsql;

namespace Talos.Integration.Tests.Support;

/// <summary>
/// The PostgreSQL server started by <c>tests/run.sh</c>. Tests that need it fail loudly (never skip) when the
/// connection string is missing. Each test class works in its own schema, named after the class and dropped first.
/// </summary>
public static class TestDatabase
{
    /// <summary>The one environment variable the tests read.</summary>
    public const string Variable = "TALOS_TEST_PG";

    /// <summary>The connection string, or an exception that says how to get one.</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"{Variable} is not set: these tests need the PostgreSQL server that tests/run.sh starts. Run tests/run.sh (or: eval \"$(bash tests/pg.sh start)\").");

    /// <summary>A schema name for a test class: lower-case, safe, at most 63 bytes.</summary>
    public static string SchemaFor(Type testClass)
    {
        var name = new string(testClass.Name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        return ("t_" + name)[..Math.Min(63, name.Length + 2)];
    }

    /// <summary>Drops the schema (and everything in it) if it exists.</summary>
    public static async Task DropSchemaAsync(string schema)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"drop schema if exists \"{schema}\" cascade", conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
