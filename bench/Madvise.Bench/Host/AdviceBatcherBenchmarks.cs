using BenchmarkDotNet.Attributes;
using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Bench.Host;

/// <summary>
/// The batcher's own cost per range: 1024 adds and a flush on pages that were never touched
/// (the kernel has nothing to zap, so the system calls are cheap and the batcher's work shows),
/// in ascending adjacent order (merged on the fly), every other page ascending (kept apart), and
/// every other page in a fixed shuffled order (sorted at flush). The allocation column is the
/// steady state: the batcher is reused, its range array already grown.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(BenchmarkCategories.Host, BenchmarkCategories.Advice)]
public class AdviceBatcherBenchmarks
{
    /// <summary>Adds per flush.</summary>
    private const int Ranges = 1024;

    /// <summary>Bytes in a page.</summary>
    private const int P = (int)PageSize.PAGE_SIZE;

    /// <summary>Order in which ranges are added.</summary>
    public enum AddOrder
    {
        /// <summary>Pages 0, 1, 2 ...: one merged range.</summary>
        Adjacent,

        /// <summary>Pages 0, 2, 4 ...: 1024 ranges, already sorted.</summary>
        EveryOther,

        /// <summary>Every other page in a shuffled order: 1024 ranges to sort.</summary>
        Shuffled,
    }

    /// <summary>Never-touched memory, twice the pages of a flush.</summary>
    private MappedRegion _region = null!;

    /// <summary>The batcher under test, reused across invocations.</summary>
    private AdviceBatcher _batcher = null!;

    /// <summary>Start addresses to add, in <see cref="Order"/>.</summary>
    private nint[] _addresses = null!;

    /// <summary>The order of the adds.</summary>
    [Params(AddOrder.Adjacent, AddOrder.EveryOther, AddOrder.Shuffled)]
    public AddOrder Order { get; set; }

    /// <summary>Whether flushes use process_madvise or fall back to madvise per range.</summary>
    [Params(true, false)]
    public bool UseProcessMadvise { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _region = MappedRegion.Allocate(2 * Ranges * P);
        _batcher = new AdviceBatcher(_region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { UseProcessMadvise = UseProcessMadvise });
        _addresses = new nint[Ranges];
        var stride = Order == AddOrder.Adjacent ? 1 : 2;
        for (var i = 0; i < Ranges; i++)
        {
            _addresses[i] = _region.Address + (i * stride * P);
        }

        if (Order == AddOrder.Shuffled)
        {
            new Random(42).Shuffle(_addresses);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batcher.Dispose();
        _region.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Ranges)]
    public long AddAndFlush()
    {
        var addresses = _addresses;
        var batcher = _batcher;
        for (var i = 0; i < addresses.Length; i++)
        {
            batcher.Add(addresses[i], P);
        }

        return batcher.Flush();
    }
}
