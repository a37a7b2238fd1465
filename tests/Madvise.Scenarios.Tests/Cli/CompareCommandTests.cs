using Madvise.Cli;
using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Cli;

/// <summary><c>madv compare</c>: two eval JSON files of fake runs, compared configuration by configuration.</summary>
public sealed class CompareCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("madv-compare-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ChosenKernels_FasterWhereFaster_NoDifferenceWhereEqual()
    {
        // The same spread on both sides, from one deterministic sequence (random jitter would make
        // "no significant difference" fail one run in twenty, as a 5% test should).
        var a = Write("a.json", new FakeWorkload { Profile = "PerRangeLock", Nanoseconds = Spread(_ => 2_000_000) });
        var b = Write("b.json", new FakeWorkload { Profile = "BatchedLock", Nanoseconds = Spread(batch => batch == 0 ? 2_000_000 : 1_000_000) });
        var (code, output, error) = Madv("compare", a, b, "--a", "PerRangeLock", "--b", "batchedlock", "--markdown");
        Assert.Equal(0, code);
        Assert.Empty(error);
        var rows = output.Split('\n').Where(l => l.StartsWith("| PerRangeLock", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, rows.Count);
        Assert.Contains("| 0 |", rows[0], StringComparison.Ordinal);
        Assert.Contains("no significant difference", rows[0], StringComparison.Ordinal);
        Assert.Contains("B faster", rows[1], StringComparison.Ordinal);
        Assert.Contains("| 0.50", rows[1], StringComparison.Ordinal);
        Assert.Contains("A: " + a, output, StringComparison.Ordinal);
        Assert.Contains("B: " + b, output, StringComparison.Ordinal);
    }

    [Fact]
    public void SameKernels_MatchByDefault_AndTooFewPassesSaysSo()
    {
        var a = Write("a.json", new FakeWorkload { Nanoseconds = _ => Jitter(2_000_000) }, rounds: 3);
        var b = Write("b.json", new FakeWorkload { Nanoseconds = _ => Jitter(4_000_000) }, rounds: 3);
        var (code, output, _) = Madv("compare", a, b);
        Assert.Equal(0, code);
        Assert.Contains("too few passes", output, StringComparison.Ordinal);
        Assert.DoesNotContain("B slower", output, StringComparison.Ordinal);
    }

    [Fact]
    public void DifferentWorkloads_AreRefused_SayingWhatDiffers()
    {
        var a = Write("a.json", new FakeWorkload());
        var b = Write("b.json", new FakeWorkload { Spec = new WorkloadSpec(512UL << 10, 8192, MemoryAdvice.MADV_COLD) });
        var (code, _, error) = Madv("compare", a, b);
        Assert.Equal(2, code);
        Assert.Contains("different workloads (hint DONTNEED vs COLD; mem 256K vs 512K; unit 4K vs 8K)", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}", "schema 'none' is not madv-eval/2")]
    [InlineData("{\"schema\": \"madv-eval/1\"}", "schema madv-eval/1 has no raw pass times")]
    [InlineData("not json", "not JSON")]
    public void BadFiles_Exit2(string text, string message)
    {
        var good = Write("a.json", new FakeWorkload());
        var bad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(bad, text);
        var (code, _, error) = Madv("compare", good, bad);
        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyOneOfAAndB_IsAUsageError()
    {
        var a = Write("a.json", new FakeWorkload());
        var (code, _, error) = Madv("compare", a, a, "--a", "PerRangeLock");
        Assert.Equal(2, code);
        Assert.Contains("--a and --b go together", error, StringComparison.Ordinal);
        Assert.Equal(2, Madv("compare", a, Path.Combine(_dir, "missing.json")).Code);
    }

    private static long Jitter(long ns) => ns + Random.Shared.Next(20_000);

    /// <summary>Pass times base(batch) + 0, 7.9, 15.8, ... µs (mod 20 µs), one step per pass of each batch.</summary>
    private static Func<int, long> Spread(Func<int, long> baseNs)
    {
        var passes = new Dictionary<int, int>();
        return batch =>
        {
            var i = passes[batch] = passes.GetValueOrDefault(batch) + 1;
            return baseNs(batch) + (i * 7919L % 20_000);
        };
    }

    private string Write(string name, FakeWorkload workload, int rounds = 8)
    {
        var m = EvalRunner.Run([workload], [0, 16, 1024], new EvalStopRule(rounds, null), warmup: 0, null, CancellationToken.None);
        var path = Path.Combine(_dir, name);
        AtomicFile.Write(path, s => EvalJson.Write(s, EvalRunnerTests.Report(workload.Spec, m, [])));
        return path;
    }

    private static (int Code, string Output, string Error) Madv(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.Run(args, Program.CreateTargets(), output, error);
        return (code, output.ToString().ReplaceLineEndings("\n"), error.ToString());
    }
}
