using System.Diagnostics;
using System.Globalization;
using Madvise.Scenarios.Tests.Shared;
using Xunit.Abstractions;

namespace Madvise.Scenarios.Tests.Fuzzing;

/// <summary>
/// The scenario mutation fuzzer: mutants of the corpus (<see cref="ScenarioMutator"/>) through the
/// parser, madv and the sim runner, with a kernel audit after each (<see cref="MutantRunner"/>).
/// </summary>
/// <remarks>
/// The normal suite runs a short slice (<see cref="DefaultMutants"/> mutants) with a fresh seed;
/// MADV_MUTFUZZ_MUTANTS=N runs N, MADV_STRESS (any value) <see cref="StressMutants"/>. Every run
/// prints its seed; MADV_MUTFUZZ_SEED=SEED replays a run, MADV_MUTFUZZ_SEED=SEED:INDEX one mutant
/// of it (with the same corpus). Failing mutants are written to TestResults/mutfuzz under the
/// repository root, with the replay command in the failure message.
/// </remarks>
public sealed class ScenarioMutationFuzzTests(ITestOutputHelper log)
{
    /// <summary>Mutants in the normal suite.</summary>
    private const int DefaultMutants = 200;

    /// <summary>Mutants with MADV_STRESS.</summary>
    private const int StressMutants = 10_000;

    /// <summary>Failures printed in the assertion message.</summary>
    private const int Shown = 10;

    /// <summary>A run stops after this many failures (or hangs, whose threads stay behind).</summary>
    private const int MaxFailures = 50;

    /// <summary>A run stops after this many hangs.</summary>
    private const int MaxHangs = 3;

    /// <summary>How long one mutant may take: a corpus file runs in milliseconds, the slowest mutants in seconds, and the machine may be loaded.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public void CorpusMutants_NeverCrashHangLeakOrBreakTheKernel()
    {
        var (seed, only) = Seed();
        var count = only is null ? Mutants() : 1;
        var corpus = Directory.EnumerateFiles(RepoPaths.ScenarioCorpus, "*.scn").Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllText(f))).ToArray();
        var mutator = new ScenarioMutator(corpus);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"scenario mutation fuzzer: seed {seed}, {count} mutants of {corpus.Length} corpus files (replay: MADV_MUTFUZZ_SEED={seed}; one mutant: MADV_MUTFUZZ_SEED={seed}:INDEX)"));
        var dir = Directory.CreateTempSubdirectory("madv-mutfuzz-").FullName;
        var runner = new MutantRunner(Timeout, dir);
        var fates = new int[Enum.GetValues<MutantFate>().Length];
        var failures = new List<string>();
        long steps = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (var index in only is { } i ? [i] : Enumerable.Range(0, count))
            {
                var mutant = mutator.Mutate(seed, index);
                var outcome = runner.Run(mutant);
                fates[(int)outcome.Fate]++;
                steps += outcome.Steps;
                if (outcome.Failure is { } failure)
                {
                    failures.Add(string.Create(CultureInfo.InvariantCulture,
                        $"mutant {seed}:{index} of {mutant.Origin} ({mutant.Description}), {MutantRunner.Profile(index)}: {failure}; written to {Keep(mutant)}; replay: MADV_MUTFUZZ_SEED={seed}:{index}"));
                }

                if (failures.Count >= MaxFailures || fates[(int)MutantFate.Hung] >= MaxHangs)
                {
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stopped after mutant {index}"));
                    break;
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{fates.Sum()} mutants in {clock.Elapsed.TotalSeconds:0.0} s: {fates[(int)MutantFate.Refused]} refused by madv (parse errors, too large), " +
            $"{fates[(int)MutantFate.Ran]} ran ({steps} steps) with the kernel audit passing, " +
            $"{fates[(int)MutantFate.Failed]} failed, {fates[(int)MutantFate.Crashed]} crashed, {fates[(int)MutantFate.Hung]} hung; load average {LoadAverage()}"));
        foreach (var failure in failures)
        {
            log.WriteLine(failure);
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(Shown)) + (failures.Count > Shown ? $"\n... and {failures.Count - Shown} more" : ""));
    }

    [Fact]
    public void AMutantIsAFunctionOfSeedAndIndexAlone()
    {
        var corpus = new[] { ("a.scn", "mmap A 4p rw private,anon => ok\nwrite A 4p 0x11 => 0\nmadvise A 4p DONTNEED => 0\n"), ("b.scn", "file F 2p 0x22\n") };
        var first = new ScenarioMutator(corpus);
        var second = new ScenarioMutator(corpus);
        for (var index = 0; index < 200; index++)
        {
            Assert.Equal(first.Mutate(7, index).Bytes, second.Mutate(7, index).Bytes);
        }

        // Fixed numbers, not HashCode.Combine (randomised per process): a seed printed by one run replays in another.
        Assert.Equal(ScenarioMutator.MixSeed(1, 2), ScenarioMutator.MixSeed(1, 2));
        Assert.Equal(2_065_550_767, ScenarioMutator.MixSeed(0, 0));
        Assert.NotEqual(ScenarioMutator.MixSeed(1, 2), ScenarioMutator.MixSeed(2, 1));
        Assert.True(Enumerable.Range(0, 200).Select(i => first.Mutate(7, i).Bytes).Distinct(new BytesComparer()).Count() > 150);
    }

    /// <summary>Writes a failing mutant under TestResults/mutfuzz; returns its path.</summary>
    private static string Keep(Mutant mutant)
    {
        var dir = Path.Combine(RepoPaths.Root, "TestResults", "mutfuzz");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"mutant-{mutant.Seed}-{mutant.Index}.scn"));
        File.WriteAllBytes(path, mutant.Bytes);
        return path;
    }

    /// <summary>MADV_MUTFUZZ_SEED (SEED or SEED:INDEX), else a fresh seed.</summary>
    private static (int Seed, int? Only) Seed()
    {
        var text = Environment.GetEnvironmentVariable("MADV_MUTFUZZ_SEED");
        if (string.IsNullOrEmpty(text))
        {
            return (Random.Shared.Next(), null);
        }

        var parts = text.Split(':');
        var seed = int.Parse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture);
        return (seed, parts.Length > 1 ? int.Parse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture) : null);
    }

    private static int Mutants() =>
        int.TryParse(Environment.GetEnvironmentVariable("MADV_MUTFUZZ_MUTANTS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
        : !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MADV_STRESS")) ? StressMutants
        : DefaultMutants;

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private sealed class BytesComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length;
    }
}
