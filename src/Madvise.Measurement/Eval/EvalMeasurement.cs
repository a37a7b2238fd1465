namespace Madvise.Measurement.Eval;

/// <summary>What <see cref="EvalRunner"/> measured.</summary>
/// <param name="Workloads">The columns, in order.</param>
/// <param name="Batches">The rows, ascending.</param>
/// <param name="Cells">One cell per (workload, batch), workload-major: cell (w, b) is at w·Batches.Count + b.</param>
/// <param name="Rounds">Rounds completed (every configuration measured once per round).</param>
/// <param name="Partial">True when the run was interrupted; the cells hold what was measured so far.</param>
/// <param name="Elapsed">Wall time of the whole run, setup and warm-up included.</param>
public sealed record EvalMeasurement(
    IReadOnlyList<IAdviceWorkload> Workloads,
    IReadOnlyList<int> Batches,
    IReadOnlyList<EvalCell> Cells,
    int Rounds,
    bool Partial,
    TimeSpan Elapsed)
{
    /// <summary>The cell of workload <paramref name="workload"/> (an index into <see cref="Workloads"/>) at row <paramref name="batchIndex"/>.</summary>
    public EvalCell Cell(int workload, int batchIndex) => Cells[(workload * Batches.Count) + batchIndex];

    /// <summary>The number of passes most working cells have (ties: the larger); 0 when none has any.</summary>
    public int TypicalPasses
    {
        get
        {
            var counts = new Dictionary<int, int>();
            foreach (var cell in Cells)
            {
                if (cell.Error is null && cell.Passes > 0)
                {
                    counts[cell.Passes] = counts.GetValueOrDefault(cell.Passes) + 1;
                }
            }

            var best = 0;
            var bestCount = 0;
            foreach (var (passes, count) in counts)
            {
                if (count > bestCount || (count == bestCount && passes > best))
                {
                    best = passes;
                    bestCount = count;
                }
            }

            return best;
        }
    }
}
