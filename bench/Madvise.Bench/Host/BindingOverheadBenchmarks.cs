using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Bench.Host;

/// <summary>
/// The fixed cost the .NET bindings add to a call, against the same calls made by the C loops of
/// <c>bench/native/dontneed.c</c> in this process (built with gcc on first use, or taken from
/// <c>MADV_DONTNEED_LIB</c>): madvise(DONTNEED) and process_madvise(DONTNEED, vlen 1) on 1024
/// pages that were never touched, so the kernel frees nothing and each call costs the same
/// every time. The difference per call is what the bindings add (the P/Invoke transition,
/// errno handling, the pidfd handle's reference count).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[BenchmarkCategory(BenchmarkCategories.Host, BenchmarkCategories.Advice)]
public class BindingOverheadBenchmarks
{
    /// <summary>Calls per invocation, one per page.</summary>
    private const int Calls = 1024;

    /// <summary>Bytes in a page.</summary>
    private const int P = (int)PageSize.PAGE_SIZE;

    /// <summary>Never-touched memory, one page per call.</summary>
    private MappedRegion _region = null!;

    /// <summary>A pidfd of this process.</summary>
    private SafePidfdHandle _pidfd = null!;

    /// <summary>One iovec per page.</summary>
    private IoVec[] _ranges = null!;

    /// <summary>The C loops.</summary>
    private NativeDontNeed _native = null!;

    [GlobalSetup]
    public void Setup()
    {
        _native = NativeDontNeed.Load(out var reason) ?? throw new InvalidOperationException(reason);
        _region = MappedRegion.Allocate(Calls * P);
        _pidfd = SafePidfdHandle.OpenSelf();
        _ranges = new IoVec[Calls];
        for (var i = 0; i < Calls; i++)
        {
            _ranges[i] = new IoVec((ulong)_region.Address + ((ulong)i * P), P);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pidfd.Dispose();
        _region.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Calls, Baseline = true)]
    [BenchmarkCategory("madvise")]
    public int MadviseFromC() => _native.Each(_region.Address, _region.Length);

    [Benchmark(OperationsPerInvoke = Calls)]
    [BenchmarkCategory("madvise")]
    public int MadviseFromDotNet()
    {
        var address = _region.Address;
        for (var i = 0; i < Calls; i++)
        {
            if (!HostMemory.TryMadvise(address + (i * P), P, MemoryAdvice.MADV_DONTNEED, out var errno))
            {
                return errno;
            }
        }

        return 0;
    }

    [Benchmark(OperationsPerInvoke = Calls, Baseline = true)]
    [BenchmarkCategory("process_madvise")]
    public int ProcessMadviseFromC() => _native.Vectors(_pidfd.Fd, _ranges, 1);

    [Benchmark(OperationsPerInvoke = Calls)]
    [BenchmarkCategory("process_madvise")]
    public int ProcessMadviseFromDotNet()
    {
        var ranges = _ranges;
        for (var i = 0; i < ranges.Length; i++)
        {
            if (!HostMemory.TryProcessMadvise(_pidfd, new ReadOnlySpan<IoVec>(ranges, i, 1), MemoryAdvice.MADV_DONTNEED, 0, out _, out var errno))
            {
                return errno;
            }
        }

        return 0;
    }
}
