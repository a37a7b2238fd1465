using BenchmarkDotNet.Attributes;
using Madvise.Kernel.Mm.Locking;

namespace Madvise.Bench.Locking;

/// <summary>
/// The mmap_lock under contention: the benchmark thread and one helper thread each do
/// <see cref="OpsPerThread"/> acquire/release pairs of the same lock, so hand-offs and sleeps are
/// part of the cost. Reported per pair, over both threads; with <see cref="HoldSpins"/> each section
/// does some work, so the other thread queues and sleeps (the waiter's spin-then-block matters).
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(BenchmarkCategories.Locking, BenchmarkCategories.Contended)]
public class MmapLockContendedBenchmarks
{
    /// <summary>Pairs each of the two threads does per invocation.</summary>
    private const int OpsPerThread = 4096;

    /// <summary>The lock under test.</summary>
    private readonly MmapLock _lock = new();

    /// <summary>Starts the helper's share of an invocation.</summary>
    private readonly SemaphoreSlim _go = new(0);

    /// <summary>Signals that the helper finished its share.</summary>
    private readonly SemaphoreSlim _done = new(0);

    /// <summary>Which mix the threads run: "write" (both write) or "mixed" (helper reads, benchmark thread writes).</summary>
    [Params("write", "mixed")]
    public string Mix { get; set; } = "write";

    /// <summary>Work done while holding the lock, in Thread.SpinWait iterations (0: empty sections).</summary>
    [Params(0, 100)]
    public int HoldSpins { get; set; }

    /// <summary>The helper thread, alive for the whole benchmark.</summary>
    private Thread? _helper;

    /// <summary>Tells the helper to exit.</summary>
    private volatile bool _stop;

    /// <summary>Set by the helper when it starts its share, so both threads really run at once.</summary>
    private volatile bool _started;

    [GlobalSetup]
    public void Setup()
    {
        _stop = false;
        _helper = new Thread(Helper) { IsBackground = true, Name = "mmap_lock contender" };
        _helper.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _go.Release();
        _helper?.Join();
    }

    [Benchmark(OperationsPerInvoke = 2 * OpsPerThread)]
    public void TwoThreads()
    {
        _started = false;
        _go.Release();

        // Start together: otherwise this thread finishes before the helper has even woken up.
        var spin = new SpinWait();
        while (!_started)
        {
            spin.SpinOnce(-1);
        }

        MmapLock l = _lock;
        int hold = HoldSpins;
        for (int i = 0; i < OpsPerThread; i++)
        {
            long token = l.AcquireWrite();
            Thread.SpinWait(hold);
            l.ReleaseWrite(token);
        }

        _done.Wait();
    }

    private void Helper()
    {
        bool read = Mix == "mixed";
        int hold = HoldSpins;
        while (true)
        {
            _go.Wait();
            if (_stop)
            {
                return;
            }

            _started = true;

            MmapLock l = _lock;
            for (int i = 0; i < OpsPerThread; i++)
            {
                if (read)
                {
                    long token = l.AcquireRead();
                    Thread.SpinWait(hold);
                    l.ReleaseRead(token);
                }
                else
                {
                    long token = l.AcquireWrite();
                    Thread.SpinWait(hold);
                    l.ReleaseWrite(token);
                }
            }

            _done.Release();
        }
    }
}
