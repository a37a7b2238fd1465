using BenchmarkDotNet.Attributes;
using Madvise.Kernel.Mm.Locking;

namespace Madvise.Bench.Locking;

/// <summary>
/// Uncontended cost of the mmap_lock: one acquire + release pair per operation, in a loop of
/// <see cref="Ops"/> pairs per invocation, with and without hold-time recording.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(BenchmarkCategories.Locking, BenchmarkCategories.Uncontended)]
public class MmapLockBenchmarks
{
    /// <summary>Acquire/release pairs per benchmark invocation.</summary>
    private const int Ops = 1024;

    /// <summary>The lock under test, created per parameter set.</summary>
    private MmapLock _lock = null!;

    /// <summary>Whether the lock records hold times (two clock reads per pair).</summary>
    [Params(false, true)]
    public bool RecordHoldTimes { get; set; }

    [GlobalSetup]
    public void Setup() => _lock = new MmapLock { RecordHoldTimes = RecordHoldTimes };

    [Benchmark(OperationsPerInvoke = Ops, Baseline = true)]
    public void ReadAcquireRelease()
    {
        MmapLock l = _lock;
        for (int i = 0; i < Ops; i++)
        {
            l.ReleaseRead(l.AcquireRead());
        }
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public void WriteAcquireRelease()
    {
        MmapLock l = _lock;
        for (int i = 0; i < Ops; i++)
        {
            l.ReleaseWrite(l.AcquireWrite());
        }
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public void TryReadAcquireRelease()
    {
        MmapLock l = _lock;
        for (int i = 0; i < Ops; i++)
        {
            if (l.TryAcquireRead(out long token))
            {
                l.ReleaseRead(token);
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public void WriteKillableAcquireRelease()
    {
        MmapLock l = _lock;
        for (int i = 0; i < Ops; i++)
        {
            if (l.AcquireWriteKillable(null, out long token) == 0)
            {
                l.ReleaseWrite(token);
            }
        }
    }

    /// <summary>A snapshot of all statistics (what a report does once per run, not per acquisition).</summary>
    [Benchmark]
    [BenchmarkCategory(BenchmarkCategories.Statistics)]
    public MmapLockStatistics GetStatistics() => _lock.GetStatistics();
}
