namespace Madvise.Compaction.Engine;

/// <summary>
/// The engine's two clocks, behind a seam so tests can drive the budget logic with a scripted
/// cost model and no real time passing.
/// </summary>
public interface ICompactionClock
{
    /// <summary>A monotonic wall-clock reading in nanoseconds.</summary>
    long WallNanoseconds();

    /// <summary>CPU time the calling thread has used, in nanoseconds (the kernel's work in a call included).</summary>
    long ThreadCpuNanoseconds();
}
