using System.Globalization;
using Madvise.Kernel;

namespace Madvise.Bench.Advice;

/// <summary>
/// The series' experiment (<see cref="ProcessMadviseBenchmarks"/>) with every profile and batch
/// size interleaved in one process, timed in thread CPU time: round after round, each
/// (batch, profile) pair runs one pass in turn, so a change of machine load hits all of them
/// alike and the ratios between profiles stay meaningful on a busy machine, where
/// BenchmarkDotNet's one-case-after-another wall-clock runs drift. Not a BenchmarkDotNet
/// benchmark: <c>dotnet run -c Release --project bench/Madvise.Bench -- --series [rounds]</c>.
/// </summary>
public static class SeriesInterleaved
{
    /// <summary>Rounds discarded while tiered compilation settles.</summary>
    private const int WarmupRounds = 3;

    /// <summary>Runs <paramref name="rounds"/> measured rounds and prints medians (ms of CPU per pass) and ratios to PerRangeLock.</summary>
    public static void Run(TextWriter output, int rounds)
    {
        KernelProfile[] profiles = [KernelProfile.PerRangeLock, KernelProfile.BatchedLock, KernelProfile.BatchedTlb, KernelProfile.PerVmaLock];
        int[] batches = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
        var benches = new ProcessMadviseBenchmarks[profiles.Length];
        for (var p = 0; p < profiles.Length; p++)
        {
            benches[p] = new ProcessMadviseBenchmarks { Profile = profiles[p] };
            benches[p].Setup();
        }

        var samples = new List<double>[batches.Length, profiles.Length];
        for (var b = 0; b < batches.Length; b++)
        {
            for (var p = 0; p < profiles.Length; p++)
            {
                samples[b, p] = [];
            }
        }

        for (var round = 0; round < WarmupRounds + rounds; round++)
        {
            for (var b = 0; b < batches.Length; b++)
            {
                // Rotate the profile order each round so none always runs first after a batch change.
                for (var k = 0; k < profiles.Length; k++)
                {
                    var p = (k + round) % profiles.Length;
                    var bench = benches[p];
                    bench.Batch = batches[b];
                    bench.Repopulate();
                    var start = ThreadCpuTime.NowNanoseconds();
                    bench.DontNeedPass();
                    var ns = ThreadCpuTime.NowNanoseconds() - start;
                    if (round >= WarmupRounds)
                    {
                        samples[b, p].Add(ns / 1e6);
                    }
                }
            }
        }

        foreach (var bench in benches)
        {
            bench.Cleanup();
        }

        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"MADV_DONTNEED of 256 MiB in 4 KiB ranges: median thread CPU ms per pass over {rounds} rounds; batch 0 = madvise() per range"));
        output.WriteLine("| batch | PerRangeLock | BatchedLock | BatchedTlb | PerVmaLock | BatchedLock/PerRangeLock | BatchedTlb/PerRangeLock | PerVmaLock/PerRangeLock |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (var b = 0; b < batches.Length; b++)
        {
            var m = new double[profiles.Length];
            for (var p = 0; p < profiles.Length; p++)
            {
                m[p] = Median(samples[b, p]);
            }

            output.WriteLine(string.Create(c, $"| {batches[b]} | {m[0]:F2} | {m[1]:F2} | {m[2]:F2} | {m[3]:F2} | {m[1] / m[0]:F2} | {m[2] / m[0]:F2} | {m[3] / m[0]:F2} |"));
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
