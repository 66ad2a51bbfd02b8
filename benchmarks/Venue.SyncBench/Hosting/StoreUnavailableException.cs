namespace Venue.SyncBench.Hosting;

/// <summary>The store cannot run on this machine (no PostgreSQL binaries, say): the scenario skips it and says why.</summary>
internal sealed class StoreUnavailableException(string message) : Exception(message);
