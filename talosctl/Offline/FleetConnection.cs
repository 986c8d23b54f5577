using Npgsql;

namespace Talos.Ctl.Offline;

/// <summary>
/// Opens the fleet store named by <c>--store</c>. An empty or malformed connection string is bad input with one clear
/// line (issue 20 item 8: <c>audit fleet --store ""</c> ended in Npgsql's InvalidOperationException and a stack trace).
/// </summary>
internal static class FleetConnection
{
    private const string Example = "e.g. \"Host=127.0.0.1;Port=5432;Username=talos;Password=...;Database=talos\"";

    /// <summary>An open connection.</summary>
    /// <exception cref="ArgumentException">The connection string is empty, malformed or names no host.</exception>
    public static NpgsqlConnection Open(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new ArgumentException($"--store is empty: pass the fleet store's PostgreSQL connection string, {Example}");
        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            throw new ArgumentException($"--store is not a PostgreSQL connection string ({e.Message}): {Example}", e);
        }
        if (string.IsNullOrEmpty(parsed.Host))
            throw new ArgumentException($"--store names no Host: {Example}");
        var conn = new NpgsqlConnection(connectionString);
        try
        {
            conn.Open();
            return conn;
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }
}
