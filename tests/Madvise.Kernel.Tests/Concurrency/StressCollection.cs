namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// The race tests run one at a time: each keeps every core busy with its own threads, and a
/// race that needs two of them running at once (a fault during a guard install pass, a load
/// during a vector's deferred flush) rarely happens while another race test competes.
/// </summary>
[CollectionDefinition(Name)]
public sealed class StressCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Race tests";
}
