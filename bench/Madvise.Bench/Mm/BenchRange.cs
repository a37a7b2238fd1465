using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Bench.Mm;

/// <summary>An immutable address range standing in for a VMA in tree benchmarks.</summary>
/// <param name="Start">The first address.</param>
/// <param name="End">The first address after the range.</param>
public sealed record BenchRange(ulong Start, ulong End) : IAddressRange;
