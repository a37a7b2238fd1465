using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Madvise.Bench.Host;

/// <summary>
/// The series' experiment on the host through the bindings: MADV_DONTNEED over 256 MiB in 4 KiB
/// ranges with process_madvise, vlen 1..1024 (one row per vlen; the madvise() loop is in
/// <see cref="DontNeedBatcherBenchmarks"/>). Each iteration is one pass over a freshly
/// populated buffer, so the Monitoring strategy (no pilot, one invocation) is used.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 15)]
[BenchmarkCategory(BenchmarkCategories.Host, BenchmarkCategories.Advice)]
public class DontNeedVectorBenchmarks
{
    /// <summary>The buffer, pidfd and vectors.</summary>
    private DontNeedPass _pass = null!;

    /// <summary>Ranges per process_madvise call.</summary>
    [Params(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)]
    public int Vlen { get; set; }

    [GlobalSetup]
    public void Setup() => _pass = new DontNeedPass();

    [GlobalCleanup]
    public void Cleanup() => _pass.Dispose();

    [IterationSetup]
    public void Populate() => _pass.Populate();

    [Benchmark]
    public void ProcessMadvise() => _pass.Vectors(_pass.Every, Vlen);
}
