namespace Venue.Central.Tests.Reliability;

/// <summary>
/// The process tests run alone: each starts a central, two edges (and maybe PostgreSQL), and their
/// time limits assume the machine's cores are theirs, not shared with other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReliabilityCollection
{
    public const string Name = "Reliability: real processes";
}
