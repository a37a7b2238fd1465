namespace Madvise.Compaction.Engine;

/// <summary>One process_madvise() call the engine made.</summary>
/// <param name="Sequence">0 for the first call.</param>
/// <param name="Advice">The advice.</param>
/// <param name="Ranges">iovec entries sent.</param>
/// <param name="Bytes">Bytes they cover.</param>
/// <param name="Result">What the call returned: bytes advised, or a negative errno.</param>
/// <param name="WallNanoseconds">Wall time of the call.</param>
/// <param name="CpuNanoseconds">CPU time of the calling thread during the call.</param>
/// <param name="PredictedNanoseconds">The CPU time the budget strategy sized the call for; null for the fixed strategy.</param>
public readonly record struct CallRecord(int Sequence, MemoryAdvice Advice, int Ranges, ulong Bytes, long Result, long WallNanoseconds, long CpuNanoseconds, double? PredictedNanoseconds);
