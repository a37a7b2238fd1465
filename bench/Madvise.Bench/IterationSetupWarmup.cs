namespace Madvise.Bench;

/// <summary>
/// Warm-up for benchmarks with an [IterationSetup]: BenchmarkDotNet then runs one invocation per
/// iteration, so a few warm-up iterations last only tens of milliseconds and the kernel's code is
/// still tier-0 JIT code when measurement starts (measured: madvise(DONTNEED) of one page
/// 1,000-1,800 ns in the first 0.3 s of a run, 140-200 ns once tiered up). Enough warm-up
/// iterations let tiered compilation (and its PGO) finish first.
/// </summary>
public static class IterationSetupWarmup
{
    /// <summary>Warm-up iterations (each at least a few milliseconds; together well over a second).</summary>
    public const int Count = 40;
}
