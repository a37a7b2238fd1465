using BenchmarkDotNet.Attributes;
using Madvise.Kernel.Mm.Locking;

namespace Madvise.Bench.Locking;

/// <summary>Cost of recording into a <see cref="LatencyHistogram"/> (inputs prepared up front, fixed seed).</summary>
[MemoryDiagnoser]
[BenchmarkCategory(BenchmarkCategories.Statistics)]
public class LatencyHistogramBenchmarks
{
    /// <summary>Values recorded per invocation.</summary>
    private const int Ops = 1024;

    /// <summary>The histogram under test.</summary>
    private readonly LatencyHistogram _histogram = new();

    /// <summary>Pre-drawn values, log-uniform between 1 ns and ~1 s.</summary>
    private readonly long[] _values = new long[Ops];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        for (int i = 0; i < _values.Length; i++)
        {
            _values[i] = (long)Math.Pow(2, rng.NextDouble() * 30);
        }
    }

    /// <summary>One clock read: what RecordHoldTimes adds twice per acquire/release pair.</summary>
    [Benchmark]
    public long StopwatchTimestamp() => System.Diagnostics.Stopwatch.GetTimestamp();

    [Benchmark(OperationsPerInvoke = Ops)]
    public void Record()
    {
        LatencyHistogram h = _histogram;
        long[] values = _values;
        for (int i = 0; i < values.Length; i++)
        {
            h.Record(values[i]);
        }
    }
}
