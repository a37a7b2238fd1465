using System.Text.Json;
using Madvise.Cli;
using Madvise.Cli.Compact;
using Madvise.Cli.Report;
using Madvise.Compaction.Tests.Host;
using Madvise.Compaction.Tests.Shared;

namespace Madvise.Compaction.Tests.Cli;

/// <summary><c>madv compact</c> end to end on the simulated kernel, and its usage errors.</summary>
public class CompactCommandTests
{
    private static (int Exit, string Out, string Err) Madv(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = Program.Run(args, Program.CreateTargets(), output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void CompactsASimulatedTargetAndWritesTheJsonSchema()
    {
        var json = Path.Combine(Path.GetTempPath(), $"compact-{Guid.NewGuid():N}.json");
        var calls = Path.ChangeExtension(json, ".csv");
        try
        {
            var (exit, output, error) = Madv("compact", "--sim", "--profile", "batchedlock", "--mem", "16M", "--vmas", "64", "--json", json, "--calls", calls, "--no-progress");
            Assert.True(exit == 0, error + output);
            Assert.Contains("simulated pid", output, StringComparison.Ordinal);
            Assert.Contains("completed", output, StringComparison.Ordinal);

            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var root = doc.RootElement;
            Assert.Equal("madv-compact/1", root.GetProperty("schema").GetString());
            foreach (var field in new[] { "rss_before_kib", "rss_after_kib", "anon_before_kib", "anon_after_kib", "swap_after_kib", "calls", "ranges", "bytes_advised", "budget_ns", "call_p50_ns", "call_p99_ns", "call_max_ns", "cpu_ns", "errors" })
            {
                Assert.True(root.TryGetProperty(field, out _), field);
            }

            Assert.Equal(1_000_000, root.GetProperty("budget_ns").GetInt64());
            Assert.Equal("BatchedLock", root.GetProperty("target").GetProperty("profile").GetString());
            Assert.Equal("completed", root.GetProperty("outcome").GetString());
            Assert.True(root.GetProperty("anon_after_kib").GetInt64() < root.GetProperty("anon_before_kib").GetInt64());
            Assert.Equal(root.GetProperty("anon_freed_kib").GetInt64(), root.GetProperty("swap_after_kib").GetInt64());
            var lines = File.ReadAllLines(calls);
            Assert.Equal("sequence,advice,ranges,bytes,result,wall_ns,cpu_ns,predicted_ns", lines[0]);
            Assert.Equal(root.GetProperty("calls").GetInt32(), lines.Length - 1);
        }
        finally
        {
            File.Delete(json);
            File.Delete(calls);
        }
    }

    [Fact]
    public void ADryRunPrintsThePlanAndTheCalls()
    {
        var (exit, output, _) = Madv("compact", "--sim", "--mem", "16M", "--vmas", "64", "--strategy", "fixed", "--dry-run", "--no-progress");
        Assert.Equal(0, exit);
        Assert.Contains("PAGEOUT", output, StringComparison.Ordinal);
        Assert.Contains("dry run: 2 calls (exactly", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("compact")]
    [InlineData("compact", "123", "--sim")]
    [InlineData("compact", "--sim", "--budget", "fast")]
    [InlineData("compact", "--sim", "--budget", "2m")]
    [InlineData("compact", "--sim", "--budget", "0")]
    [InlineData("compact", "--sim", "--budget", "0ms")]
    [InlineData("compact", "--sim", "--budget", "1ns")]
    [InlineData("compact", "--sim", "--budget", "1e12")]
    [InlineData("compact", "--sim", "--max-bytes", "0")]
    [InlineData("compact", "--sim", "--max-ranges", "0")]
    [InlineData("compact", "--sim", "--mode", "some")]
    [InlineData("compact", "--sim", "--profile", "Fastest")]
    [InlineData("compact", "--sim", "--profile", "1")]
    [InlineData("compact", "--sim", "--mem", "1K")]
    [InlineData("compact", "--sim", "--max-ranges", "2000")]
    [InlineData("compact", "--sim", "--max-bytes", "3G")]
    [InlineData("compact", "--sim", "--target-fraction", "1.5")]
    [InlineData("compact", "123", "--mem", "64M")]
    [InlineData("compact", "--sim", "--deadline", "-1s")]
    public void BadOptionsAreUsageErrors(params string[] args)
    {
        var (exit, _, error) = Madv(args);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith("madv: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AProcessThatDoesNotExistIsAUsageError()
    {
        var (exit, _, error) = Madv("compact", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("no such process", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AStopBetweenCallsSaysHowLongTheLastCallTook()
    {
        // Each 1,024-page call costs 4.10 ms on the scripted target's clock; a 10 ms deadline allows three.
        var target = Layouts.Target(Layouts.Anon(1024, 1, 1, 1, 1, 1));
        var (result, _) = Layouts.Run(target, new CompactionOptions { Strategy = SizingStrategy.Fixed, Mode = CompactionMode.Anon, MaxRanges = 1, Deadline = TimeSpan.FromMilliseconds(10) });
        using var text = new StringWriter();
        CompactText.Write(text, result);

        Assert.Contains("deadline reached: the deadline passed; no further call was started (the last call took 4.10 ms)", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("; last call 4.10 ms", text.ToString(), StringComparison.Ordinal);
    }

    [KernelThreadFact]
    public void AKernelThreadIsAUsageError()
    {
        var (exit, output, error) = Madv("compact", KernelThreadFactAttribute.Pid!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Empty(output);
        Assert.Contains("is a kernel thread", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TheBenchmarkWritesItsTablesJsonAndPlot()
    {
        var json = Path.Combine(Path.GetTempPath(), $"compact-bench-{Guid.NewGuid():N}.json");
        var plot = Path.ChangeExtension(json, ".png");
        try
        {
            var (exit, output, error) = Madv("compact-bench", "--target", "sim", "--profiles", "BatchedLock", "--mem", "16M", "--vmas", "64", "--runs", "1", "--idle", "0.1", "--json", json, "--plot", plot, "--markdown", "--no-progress");
            Assert.True(exit == 0, error + output);
            Assert.Contains("| BatchedLock | budget 1 ms |", output, StringComparison.Ordinal);
            Assert.Contains("limit µs (budget + idle p99)", output, StringComparison.Ordinal);
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var root = doc.RootElement;
            Assert.Equal("madv-compact-bench/1", root.GetProperty("schema").GetString());
            var records = root.GetProperty("records");
            Assert.Equal(["idle", "fixed", "budget"], records.EnumerateArray().Select(r => r.GetProperty("compactor").GetString()));
            Assert.All(records.EnumerateArray(), r => Assert.Equal("BatchedLock", r.GetProperty("profile").GetString()));
            Assert.Equal(1, records[2].GetProperty("runs").GetInt32());
            Assert.True(records[2].GetProperty("reclaimed_kib_per_run").GetDouble() > 0);
            Assert.True(records[2].GetProperty("remote_tlb_flushes_per_run").GetDouble() >= 0);
            Assert.Equal(JsonValueKind.Null, records[0].GetProperty("remote_tlb_flushes_per_run").ValueKind);

            // A goal needs writer samples, which a loaded machine may not give a short run.
            if (records[0].GetProperty("writer_samples").GetInt64() > 0 && records[2].GetProperty("writer_samples").GetInt64() > 0)
            {
                var goal = root.GetProperty("goals")[0];
                Assert.Equal("BatchedLock", goal.GetProperty("kernel").GetString());
                Assert.True(goal.TryGetProperty("latency_met", out _));
            }

            if (File.Exists(plot))
            {
                Assert.True(new FileInfo(plot).Length > 1000);
            }
            else
            {
                Assert.Contains("nothing to plot", error, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(json);
            File.Delete(plot);
        }
    }

    [Theory]
    [InlineData("compact-bench", "--runs", "0")]
    [InlineData("compact-bench", "--file-pageout")]
    [InlineData("compact-bench", "--plot", "x.gif")]
    [InlineData("compact-bench", "--target", "elsewhere")]
    [InlineData("compact-bench", "--interval", "-5")]
    [InlineData("compact-bench", "--host-cpus", "nowhere")]
    [InlineData("compact-bench", "--host-cpus", "same,same")]
    [InlineData("compact-bench", "--host-cpus", ",")]
    public void BadBenchmarkOptionsAreUsageErrors(params string[] args)
    {
        var (exit, _, error) = Madv(args);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith("madv: ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1ms", 1_000_000)]
    [InlineData("500us", 500_000)]
    [InlineData("500µs", 500_000)]
    [InlineData("0.25ms", 250_000)]
    [InlineData("2s", 2_000_000_000)]
    [InlineData("100ns", 100)]
    public void DurationsParse(string text, long nanoseconds)
    {
        Assert.True(DurationText.TryParse(text, out var d));
        Assert.Equal(nanoseconds, (long)Math.Round(d.TotalMilliseconds * 1e6));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("ms")]
    [InlineData("0ms")]
    [InlineData("2days")]
    [InlineData("1e3ms")]
    [InlineData("1ns")]
    [InlineData("99ns")]
    public void BadDurationsDoNotParse(string text) => Assert.False(DurationText.TryParse(text, out _));
}
