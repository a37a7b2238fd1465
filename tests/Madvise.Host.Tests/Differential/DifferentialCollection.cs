namespace Madvise.Host.Tests.Differential;

/// <summary>
/// The differential tests run one at a time: each host target pins its step thread to the same
/// CPU, and two long runs side by side would only slow each other down.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DifferentialCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Differential";
}
