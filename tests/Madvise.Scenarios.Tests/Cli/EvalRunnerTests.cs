using Madvise.Cli.Report;
using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Cli;

/// <summary><see cref="EvalRunner"/> and the eval table on fake workloads: order, stopping, failures, interruption, ratios.</summary>
public sealed class EvalRunnerTests
{
    private static readonly IReadOnlyList<int> Batches = [0, 1, 16];

    [Fact]
    public void EveryRound_RunsEveryConfigurationOnce_PopulatingBeforeEachPass()
    {
        var a = new FakeWorkload { Profile = "PerRangeLock" };
        var b = new FakeWorkload { Profile = "BatchedLock" };
        var m = EvalRunner.Run([a, b], Batches, new EvalStopRule(3, null), warmup: 0, null, CancellationToken.None);

        Assert.Equal(3, m.Rounds);
        Assert.False(m.Partial);
        Assert.All(m.Cells, c => Assert.Equal(3, c.Passes));
        foreach (var w in new[] { a, b })
        {
            // populate, pass, populate, pass, ...: one populate before every pass.
            for (var i = 0; i < w.Calls.Count; i += 2)
            {
                Assert.Equal("populate", w.Calls[i]);
                Assert.StartsWith("pass ", w.Calls[i + 1], StringComparison.Ordinal);
            }

            Assert.Equal(2 * 3 * Batches.Count, w.Calls.Count);
        }
    }

    [Fact]
    public void Rounds_AreShuffled_NotOneConfigurationAfterAnother()
    {
        var a = new FakeWorkload();
        var batches = new[] { 0, 1, 2, 4, 8, 16, 32, 64 };
        EvalRunner.Run([a], batches, new EvalStopRule(2, null), warmup: 0, null, CancellationToken.None);
        var passes = a.Calls.Where(c => c.StartsWith("pass", StringComparison.Ordinal)).ToList();
        var first = passes.Take(batches.Length).ToList();
        var second = passes.Skip(batches.Length).ToList();

        // Each round holds every configuration once ...
        Assert.Equal(batches.Select(b => $"pass {b}").Order(), first.Order());
        Assert.Equal(batches.Select(b => $"pass {b}").Order(), second.Order());

        // ... in an order of its own (fixed seeds: this holds for every run).
        Assert.NotEqual(first, second);
        Assert.NotEqual(batches.Select(b => $"pass {b}"), first);
    }

    [Fact]
    public void WarmUp_RunsEveryConfigurationUnrecorded_RoundByRound()
    {
        var a = new FakeWorkload();
        int[] batches = [0, 1, 4, 1024];
        var m = EvalRunner.Run([a], batches, new EvalStopRule(1, null), warmup: 2, null, CancellationToken.None);

        // Two unrecorded rounds, then one recorded: every configuration three times in all.
        var passes = a.Calls.Where(c => c.StartsWith("pass", StringComparison.Ordinal)).ToList();
        Assert.Equal(3 * batches.Length, passes.Count);
        Assert.Equal(batches.Select(b => $"pass {b}").Order(), passes.Take(batches.Length).Order());
        Assert.Equal(batches.Select(b => $"pass {b}").Order(), passes.Skip(batches.Length).Take(batches.Length).Order());
        Assert.All(m.Cells, c => Assert.Equal(1, c.Passes));
    }

    [Fact]
    public void MinRounds_OutlastTheBudget()
    {
        var rule = new EvalStopRule(null, TimeSpan.FromSeconds(1), MinRounds: 3);
        Assert.True(rule.MayStartRound(2, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)));
        Assert.False(rule.MayStartRound(3, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)));
        Assert.False(new EvalStopRule(2, null, MinRounds: 5).MayStartRound(2, TimeSpan.Zero, TimeSpan.Zero));
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 1024 }, new[] { 0, 1, 1024 })]
    [InlineData(new[] { 4, 8 }, new[] { 4, 8 })]
    [InlineData(new[] { 0 }, new[] { 0 })]
    [InlineData(new[] { 16 }, new[] { 16 })]
    public void WarmUpBatches_CoverMadviseSmallestAndLargestVector(int[] batches, int[] expected) =>
        Assert.Equal(expected, EvalRunner.WarmUpBatches(batches));

    [Fact]
    public void FailingConfiguration_KeepsItsErrno_OthersContinue()
    {
        var a = new FakeWorkload { PassError = b => b == 16 ? "process_madvise: EPERM" : null };
        var m = EvalRunner.Run([a], Batches, new EvalStopRule(4, null), warmup: 0, null, CancellationToken.None);
        var failed = m.Cell(0, 2);
        Assert.Equal("process_madvise: EPERM", failed.Error);
        Assert.Equal(0, failed.Passes);
        Assert.Equal(1, a.Calls.Count(c => c == "pass 16"));
        Assert.Equal(4, m.Cell(0, 0).Passes);
        Assert.Equal(4, m.Cell(0, 1).Passes);
    }

    [Fact]
    public void AllFailing_StopsEarly()
    {
        var a = new FakeWorkload { PassError = _ => "EINVAL" };
        var m = EvalRunner.Run([a], Batches, new EvalStopRule(100, null), warmup: 0, null, CancellationToken.None);
        Assert.Equal(1, m.Rounds);
        Assert.All(m.Cells, c => Assert.Equal("EINVAL", c.Error));
    }

    [Fact]
    public void Cancellation_StopsAfterThePassInProgress_MarksPartial()
    {
        using var cancel = new CancellationTokenSource();
        var passes = 0;
        var a = new FakeWorkload { AfterPass = () => { if (++passes == 4) { cancel.Cancel(); } } };
        var m = EvalRunner.Run([a], Batches, new EvalStopRule(10, null), warmup: 0, null, cancel.Token);
        Assert.True(m.Partial);
        Assert.Equal(1, m.Rounds);
        Assert.Equal(4, m.Cells.Sum(c => c.Passes));
    }

    [Fact]
    public void PreCancelled_MeasuresNothing()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var a = new FakeWorkload();
        var m = EvalRunner.Run([a], Batches, new EvalStopRule(3, null), warmup: 1, null, cancel.Token);
        Assert.True(m.Partial);
        Assert.Equal(0, m.Rounds);
        Assert.Empty(a.Calls);
    }

    [Fact]
    public void Progress_IsReportedAndEndsAtOne()
    {
        var sink = new RecordingSink();
        EvalRunner.Run([new FakeWorkload()], Batches, new EvalStopRule(2, null), warmup: 0, sink, CancellationToken.None);
        Assert.Equal(1, sink.Reports[^1].Fraction);
        Assert.All(sink.Reports, r => Assert.InRange(r.Fraction, 0, 1));
        Assert.Contains(sink.Reports, r => r.Description.Contains("batch 16", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0, 0, 0, true)]
    [InlineData(1, 60, 60, true)]
    [InlineData(2, 120, 120, false)]
    [InlineData(1, 100, 60, false)]
    public void StopRule_Budget_StartsARoundOnlyIfItFits(int done, int elapsedSeconds, int roundsSeconds, bool expected)
    {
        var rule = new EvalStopRule(null, TimeSpan.FromSeconds(150));
        Assert.Equal(expected, rule.MayStartRound(done, TimeSpan.FromSeconds(elapsedSeconds), TimeSpan.FromSeconds(roundsSeconds)));
    }

    [Fact]
    public void StopRule_RoundsAndBudget_WhicheverFirst()
    {
        var rule = new EvalStopRule(2, TimeSpan.FromSeconds(1000));
        Assert.True(rule.MayStartRound(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
        Assert.False(rule.MayStartRound(2, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)));
        Assert.Equal(0.5, rule.Fraction(1, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Table_ShowsMeansRatiosAndErrors()
    {
        var before = new FakeWorkload { Profile = "PerRangeLock", Nanoseconds = _ => 2_000_000 };
        var after = new FakeWorkload { Profile = "BatchedLock", Nanoseconds = b => b == 0 ? 2_000_000 : 1_500_000 };
        var host = new FakeWorkload { Target = "host", Profile = null, PassError = b => b > 0 ? "process_madvise: ENOSYS" : null };
        var m = EvalRunner.Run([before, after, host], Batches, new EvalStopRule(2, null), warmup: 0, null, CancellationToken.None);
        var report = Report(before.Spec, m, ["a note"]);

        var text = Render(report, details: true, markdown: false);
        Assert.Contains("BatchedLock/PerRangeLock", text, StringComparison.Ordinal);
        Assert.Contains("2.00 ±0.00 ?", text, StringComparison.Ordinal);
        Assert.Contains("1.50 ±0.00 ?", text, StringComparison.Ordinal);

        // Two passes a side allow no 95% ratio interval: the cell says so.
        Assert.Contains("0.750 [?]", text, StringComparison.Ordinal);
        Assert.Contains("1.000 [?]", text, StringComparison.Ordinal);
        Assert.Contains(EvalTable.FlagLegend, text, StringComparison.Ordinal);
        Assert.Contains("process_madvise: ENOSYS", text, StringComparison.Ordinal);
        Assert.Contains("L 10 T 20", text, StringComparison.Ordinal);
        Assert.Contains("note: a note", text, StringComparison.Ordinal);
        Assert.Contains("machine: Test CPU, 2 cores, Linux 6.18.0", text, StringComparison.Ordinal);
        Assert.DoesNotContain("PARTIAL", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Table_Markdown_HasPipeRows()
    {
        var m = EvalRunner.Run([new FakeWorkload()], Batches, new EvalStopRule(1, null), warmup: 0, null, CancellationToken.None);
        var text = Render(Report(m.Workloads[0].Spec, m, []), details: false, markdown: true);
        var rows = text.Split('\n').Where(l => l.StartsWith('|')).ToList();
        Assert.Equal(2 + Batches.Count, rows.Count);
        Assert.Contains("| batch", rows[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Table_SeedWorkload_ShowsThePublishedRatio()
    {
        var spec = new WorkloadSpec(256UL << 20, 4096, Madvise.Abi.MemoryAdvice.MADV_DONTNEED);
        var before = new FakeWorkload { Profile = "PerRangeLock", Spec = spec };
        var after = new FakeWorkload { Profile = "BatchedLock", Spec = spec };
        var m = EvalRunner.Run([before, after], [0, 3, 512], new EvalStopRule(1, null), warmup: 0, null, CancellationToken.None);
        var lines = Render(Report(spec, m, []), details: false, markdown: true).Split('\n');
        Assert.EndsWith("| seed after/before |", lines.First(l => l.StartsWith("| batch", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.EndsWith("| 0.829 |", lines.First(l => l.StartsWith("| 0 |", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.EndsWith("| - |", lines.First(l => l.StartsWith("| 3 |", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.EndsWith("| 0.716 |", lines.First(l => l.StartsWith("| 512 |", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_EscapesPipesAndBreaksLines()
    {
        var grid = new TextGrid().Column("a", rightAligned: false).Column("b");
        grid.Row("x|y", "1\n2");
        var output = new StringWriter();
        grid.WriteMarkdown(output);
        Assert.Equal("| a | b |\n| :--- | ---: |\n| x\\|y | 1<br>2 |\n", output.ToString().ReplaceLineEndings("\n"));
        Assert.Throws<ArgumentException>(() => grid.Row("only one"));
    }

    [Fact]
    public void Table_Partial_IsMarked()
    {
        var m = new EvalMeasurement([new FakeWorkload()], Batches, Batches.Select(b => new EvalCell(new FakeWorkload(), b)).ToList(), 0, true, TimeSpan.Zero);
        var text = Render(Report(new FakeWorkload().Spec, m, []), details: false, markdown: false);
        Assert.Contains("PARTIAL: interrupted after 0 complete rounds", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Table_EnoughPasses_ShowsRatioIntervals()
    {
        var before = new FakeWorkload { Profile = "PerRangeLock", Nanoseconds = _ => 2_000_000 + Random.Shared.Next(1000) };
        var after = new FakeWorkload { Profile = "BatchedLock", Nanoseconds = _ => 1_000_000 + Random.Shared.Next(1000) };
        var m = EvalRunner.Run([before, after], [1], new EvalStopRule(6, null), warmup: 0, null, CancellationToken.None);
        var grid = EvalTable.Build(Report(before.Spec, m, []), details: false);
        var ratio = grid.Rows[0][3].Text;
        Assert.Matches(@"^0\.50\d \[0\.\d{3}, 0\.\d{3}\]$", ratio);
        Assert.DoesNotContain("?", grid.Rows[0][1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Table_SeveralThreadCounts_ComparesEachKernelWithItsOneThreadRun()
    {
        var one = new FakeWorkload { Profile = "BatchedLock", Nanoseconds = _ => 1_000_000 };
        var two = new FakeWorkload { Profile = "BatchedLock", Threads = 2, Nanoseconds = _ => 1_500_000 };
        var host = new FakeWorkload { Target = "host", Profile = null, Nanoseconds = _ => 1_000_000 };
        var host2 = new FakeWorkload { Target = "host", Profile = null, Threads = 2, Nanoseconds = _ => 3_000_000 };
        var m = EvalRunner.Run([one, two, host, host2], [0], new EvalStopRule(5, null), warmup: 0, null, CancellationToken.None);
        var report = Report(one.Spec, m, []);
        Assert.True(report.ComparesThreads);
        Assert.Equal([(1, 0), (3, 2)], report.RatioPairs);
        var grid = EvalTable.Build(report, details: false);
        Assert.Equal(["batch", "BatchedLock", "BatchedLock t2", "host", "host t2", "BatchedLock t2/BatchedLock", "host t2/host"], grid.Headers);
        Assert.StartsWith("1.500 ", grid.Rows[0][5].Text, StringComparison.Ordinal);
        Assert.StartsWith("3.000 ", grid.Rows[0][6].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Statistics_LongTable_HasEveryConfiguration()
    {
        var w = new FakeWorkload { PassError = b => b == 16 ? "EINVAL" : null };
        var m = EvalRunner.Run([w], Batches, new EvalStopRule(3, null), warmup: 0, null, CancellationToken.None);
        var grid = EvalTable.BuildStatistics(Report(w.Spec, m, []));
        Assert.Equal(Batches.Count, grid.Rows.Count);
        Assert.Equal("3", grid.Rows[0][2].Text);
        Assert.Equal("few-samples", grid.Rows[0][11].Text);
        Assert.True(grid.Rows[2][3].Error);
    }

    internal static MachineInfo TestMachine { get; } = new("Test CPU", 2, "6.18.0", ".NET 10", 0.5, "madvise");

    internal static EvalReport Report(WorkloadSpec spec, EvalMeasurement m, IReadOnlyList<string> notes) =>
        new(TestMachine, new EvalSettings(spec, new TargetSelection([], false, notes), m.Batches, new EvalStopRule(1, null), Warmup: 0), m, DateTimeOffset.UnixEpoch);

    private static string Render(EvalReport report, bool details, bool markdown)
    {
        var output = new StringWriter();
        TableOutput.Write(ConsoleOutput.Create(output), EvalTable.HeaderLines(report, details), EvalTable.Build(report, details), markdown);
        return output.ToString().ReplaceLineEndings("\n");
    }

    /// <summary>Keeps every progress report.</summary>
    private sealed class RecordingSink : IProgressSink
    {
        public List<(double Fraction, string Description)> Reports { get; } = [];

        public void Report(double fraction, string description) => Reports.Add((fraction, description));
    }
}
