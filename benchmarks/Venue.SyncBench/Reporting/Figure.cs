namespace Venue.SyncBench.Reporting;

/// <summary>
/// A figure with a goal, measured on each central store of the run. The verdict is the PostgreSQL
/// central's (the goals are set for it); the SQLite central is the peer, compared in the same run.
/// </summary>
internal sealed class Figure(string name, string goal, double threshold, bool higherIsBetter, Func<double, string> format)
{
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _details = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    /// <summary>Records the value on a store, with an optional word on how it splits up (shown in brackets).</summary>
    public void Set(string store, double value, string? detail = null)
    {
        _values[store] = value;
        if (detail is not null)
        {
            _details[store] = detail;
        }
    }

    public double? Get(string store) => _values.TryGetValue(store, out var value) ? value : null;

    public bool? Met(string store) => Get(store) is { } value && !double.IsNaN(value) ? higherIsBetter ? value >= threshold : value <= threshold : null;

    public GoalLine ToLine()
    {
        var postgres = Get(SyncBenchOptions.Postgres);
        var sqlite = Get(SyncBenchOptions.Sqlite);
        string Show(string store, double? value) =>
            value is not { } v ? "-" : _details.TryGetValue(store, out var detail) ? $"{format(v)} ({detail})" : format(v);

        var ratio = postgres is { } p && sqlite is { } s && p > 0 && s > 0
            ? Units.Ratio(higherIsBetter ? p / s : s / p)
            : "-";
        return new GoalLine(Name, goal, Show(SyncBenchOptions.Postgres, postgres), Met(SyncBenchOptions.Postgres), Show(SyncBenchOptions.Sqlite, sqlite), ratio);
    }
}
