using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Bench.Host;

/// <summary>
/// MADV_DONTNEED over 256 MiB: the madvise() loop, one madvise() over everything, raw
/// process_madvise at vlen 1024 on every other page, and the advice batcher on adjacent pages
/// (merged into one range) and on every other page (32768 ranges, vectors of 1024). The
/// allocation column covers the batcher's adds and flush in the steady state.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 15)]
[BenchmarkCategory(BenchmarkCategories.Host, BenchmarkCategories.Advice)]
public class DontNeedBatcherBenchmarks
{
    /// <summary>The buffer, pidfd and vectors.</summary>
    private DontNeedPass _pass = null!;

    /// <summary>A batcher on the buffer, reused by every pass as a long-lived caller would.</summary>
    private AdviceBatcher _batcher = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pass = new DontNeedPass();
        _batcher = new AdviceBatcher(_pass.Region, MemoryAdvice.MADV_DONTNEED);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batcher.Dispose();
        _pass.Dispose();
    }

    [IterationSetup]
    public void Populate() => _pass.Populate();

    [Benchmark(Baseline = true)]
    public void MadviseLoop()
    {
        var address = _pass.Region.Address;
        for (var i = 0; i < DontNeedPass.Pages; i++)
        {
            HostMemory.Madvise(address + (i * DontNeedPass.P), DontNeedPass.P, MemoryAdvice.MADV_DONTNEED);
        }
    }

    [Benchmark]
    public void MadviseWhole() => HostMemory.Madvise(_pass.Region.Address, _pass.Region.Length, MemoryAdvice.MADV_DONTNEED);

    [Benchmark]
    public void ProcessMadviseEveryOther1024() => _pass.Vectors(_pass.Alternate, IoVec.UIO_MAXIOV);

    [Benchmark]
    public long BatcherAdjacent()
    {
        var address = _pass.Region.Address;
        for (var i = 0; i < DontNeedPass.Pages; i++)
        {
            _batcher.Add(address + (i * DontNeedPass.P), DontNeedPass.P);
        }

        return _batcher.Flush();
    }

    [Benchmark]
    public long BatcherEveryOther()
    {
        var address = _pass.Region.Address;
        for (var i = 0; i < DontNeedPass.Pages; i += 2)
        {
            _batcher.Add(address + (i * DontNeedPass.P), DontNeedPass.P);
        }

        return _batcher.Flush();
    }
}
