namespace Madvise.Compaction.Sizing;

/// <summary>One call as the sizer sees it afterwards.</summary>
/// <param name="Advice">The advice.</param>
/// <param name="Shape">The vector it sent.</param>
/// <param name="CpuNanoseconds">CPU time of the calling thread during the call (the kernel's work for it).</param>
/// <param name="WallNanoseconds">Wall time of the call (what holding the lock looks like to others).</param>
/// <param name="Result">What process_madvise() returned.</param>
public readonly record struct CallObservation(MemoryAdvice Advice, VectorShape Shape, long CpuNanoseconds, long WallNanoseconds, long Result)
{
    /// <summary>True when every range completed (only such calls teach the model what the whole vector cost).</summary>
    public bool Complete => Result >= 0 && (ulong)Result == Shape.Bytes;
}
