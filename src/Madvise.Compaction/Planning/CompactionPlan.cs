namespace Madvise.Compaction.Planning;

/// <summary>What a compaction advises: its phases in order (PAGEOUT before COLD, as Android does).</summary>
/// <param name="Phases">The phases with at least one mapping.</param>
/// <param name="MappingsRead">Mappings the target had.</param>
/// <param name="MappingsLeftOut">Mappings the mode does not advise, or that lie above the user address limit.</param>
public sealed record CompactionPlan(IReadOnlyList<CompactionPhase> Phases, int MappingsRead, int MappingsLeftOut)
{
    /// <summary>Bytes of every phase.</summary>
    public ulong Bytes => Phases.Aggregate(0UL, (sum, p) => sum + p.Bytes);

    /// <summary>True when some phase pages out anonymous memory (it needs swap to free anything).</summary>
    public bool PagesOutAnonymous { get; init; }

    /// <summary>The phase of <paramref name="advice"/>, or null.</summary>
    public CompactionPhase? Phase(MemoryAdvice advice) => Phases.FirstOrDefault(p => p.Advice == advice);
}
