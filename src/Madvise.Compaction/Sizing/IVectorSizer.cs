using Madvise.Compaction.Planning;

namespace Madvise.Compaction.Sizing;

/// <summary>Cuts a phase into process_madvise() vectors: the difference between the strategies.</summary>
public interface IVectorSizer
{
    /// <summary>
    /// Writes the next vector, starting at <paramref name="cursor"/>, into <paramref name="vector"/>
    /// (room for UIO_MAXIOV entries) and returns its length: at least 1 unless the phase is done.
    /// </summary>
    int Fill(CompactionPhase phase, PlanCursor cursor, Span<IoVec> vector, out VectorShape shape);

    /// <summary>What the last call cost; the budget strategy learns from it.</summary>
    void Observe(in CallObservation observation);
}
