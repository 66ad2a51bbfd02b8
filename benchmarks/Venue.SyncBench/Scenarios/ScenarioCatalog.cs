namespace Venue.SyncBench.Scenarios;

internal static class ScenarioCatalog
{
    public static IReadOnlyList<string> Names { get; } = ["ingest", "catch-up", "visibility", "snapshot", "export"];

    public static ISyncScenario Create(string name) => name switch
    {
        "ingest" => new IngestScenario(),
        "catch-up" => new CatchUpScenario(),
        "visibility" => new VisibilityScenario(),
        "snapshot" => new SnapshotScenario(),
        "export" => new ExportScenario(),
        _ => throw new ArgumentException($"Unknown scenario '{name}'.", nameof(name)),
    };
}
