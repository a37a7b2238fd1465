using System.Text.Json;
using Madvise.Cli;
using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Cli;

/// <summary><c>madv contention</c>: the command on tiny buffers, the rows, and the writer thread.</summary>
public sealed class EvalContentionTests : IDisposable
{
    /// <summary>A folder for output files, private to one test.</summary>
    private readonly string _dir = Directory.CreateTempSubdirectory("madv-contention-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Sim_TableJsonAndPlot()
    {
        var json = Path.Combine(_dir, "c.json");
        var png = Path.Combine(_dir, "c.png");
        var (code, output, error) = Madv("contention", "--mem", "256K", "--target", "sim", "--profiles", "PerRangeLock,BatchedLock", "--batches", "0,16", "--cap", "4", "--seconds", "0.2", "--json", json, "--plot", png);

        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Contains("mmap(MAP_FIXED)+munmap of one page", output, StringComparison.Ordinal);
        Assert.Contains("sleeping between calls (at most one per 50 µs)", output, StringComparison.Ordinal);
        foreach (var label in new[] { "idle", "madvise", "16 cap 4", "p99.9 µs", "advisor GiB/s" })
        {
            Assert.Contains(label, output, StringComparison.Ordinal);
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var root = doc.RootElement;
        Assert.Equal("madv-contention/2", root.GetProperty("schema").GetString());
        Assert.Equal("mmap", root.GetProperty("writer").GetString());
        Assert.Equal(50, root.GetProperty("writer_interval_us").GetDouble());
        Assert.Equal(4, root.GetProperty("slices").GetInt32());
        var records = root.GetProperty("records").EnumerateArray().ToList();

        // Per profile: idle, batch 0, batch 16, batch 16 cap 4.
        Assert.Equal(2 * 4, records.Count);
        var idle = records.First(r => r.GetProperty("batch").ValueKind == JsonValueKind.Null);
        Assert.Equal(0, idle.GetProperty("advisor_passes").GetInt32());
        Assert.True(idle.GetProperty("writer_samples").GetInt64() > 0);
        Assert.True(idle.GetProperty("writer_p99_ns").GetInt64() >= idle.GetProperty("writer_p50_ns").GetInt64());
        var ci = idle.GetProperty("writer_p99_ci95_ns").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.True(ci[0] <= idle.GetProperty("writer_p99_ns").GetInt64() && idle.GetProperty("writer_p99_ns").GetInt64() <= ci[1]);
        var capped = records.Where(r => r.GetProperty("cap").ValueKind == JsonValueKind.Number).ToList();
        Assert.Equal(2, capped.Count);
        Assert.All(capped, r => Assert.Equal(16, r.GetProperty("batch").GetInt32()));
        Assert.All(capped, r => Assert.Equal(4, r.GetProperty("cap").GetInt32()));
        foreach (var r in records.Where(r => r.GetProperty("batch").ValueKind == JsonValueKind.Number))
        {
            Assert.True(r.GetProperty("advisor_passes").GetInt32() > 0);
            Assert.True(r.GetProperty("advisor_gib_per_s").GetDouble() > 0);
            Assert.Equal(JsonValueKind.Null, r.GetProperty("error").ValueKind);
        }

        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
    }

    [Fact]
    public void HostAndMprotectWriter_BackToBack()
    {
        var json = Path.Combine(_dir, "h.json");
        var (code, _, error) = Madv("contention", "--mem", "128K", "--target", "host", "--batches", "0,8", "--cap", "2", "--writer", "mprotect", "--interval", "0", "--seconds", "0.2", "--json", json);
        Assert.Equal(0, code);
        Assert.Empty(error);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        Assert.Equal("mprotect", doc.RootElement.GetProperty("writer").GetString());
        var records = doc.RootElement.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(4, records.Count);
        Assert.All(records, r => Assert.Equal("host", r.GetProperty("target").GetString()));

        // The idle row records every writer call; an advising row records only the calls that
        // start inside one of its passes, which on a tiny buffer last ~0.1 ms: on a loaded
        // machine (load average 60 seen) the writer may get no CPU inside any of them in 0.2 s.
        // Every advising row must have advised, though.
        Assert.True(records[0].GetProperty("writer_samples").GetInt64() > 0);
        Assert.All(records.Skip(1), r => Assert.True(r.GetProperty("advisor_passes").GetInt64() > 0 || r.GetProperty("error").ValueKind == JsonValueKind.String));
    }

    [Theory]
    [InlineData("--writer fork", "--writer must be mmap or mprotect")]
    [InlineData("--cap 0", "--cap: '0' is not a batch size between 1 and 1024")]
    [InlineData("--interval -1", "--interval must be between 0 and 1000000")]
    [InlineData("--batches 5000", "--batches: '5000' is not a batch size")]
    [InlineData("--mem 1X", "--mem: '1X' is not a size")]
    public void UsageErrors_Exit2(string args, string message)
    {
        var (code, _, error) = Madv(["contention", .. args.Split(' ')]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rows_IdleThenBatchesThenCapsBelowTheLargestBatch()
    {
        var w = new FakeWorkload();
        var rows = ContentionRunner.Rows([w], [0, 16, 64], [8, 64, 128]);
        Assert.Equal(["idle", "madvise", "16", "64", "64 cap 8"], rows.Select(r => r.AdvisorLabel));
    }

    [Fact]
    public void Runner_FakeWorkload_RecordsWriterOnlyWhileAdvising()
    {
        var w = new FakeWorkload();
        var common = EvalCommandTests.Common("sim", null);
        var settings = new ContentionSettings(
            common.Spec,
            common.Targets,
            [0, 4],
            [2],
            WriterKind.Mmap,
            TimeSpan.Zero,
            TimeSpan.FromMilliseconds(80),
            Slices: 2);
        var m = ContentionRunner.Run([w], settings, null, CancellationToken.None);
        Assert.False(m.Partial);
        Assert.Equal(2, m.Slices);
        Assert.Equal(4, m.Rows.Count);
        Assert.True(m.Rows[0].WriterLatency.TotalCount > 0);
        Assert.All(m.Rows.Skip(1), r => Assert.True(r.AdvisorPasses > 0));
        Assert.Contains("pass 4 cap 2", w.Calls);
    }

    [Fact]
    public void Runner_Cancelled_IsPartial()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var common = EvalCommandTests.Common("sim", null);
        var settings = new ContentionSettings(common.Spec, common.Targets, [0], [], WriterKind.Mmap, TimeSpan.Zero, TimeSpan.FromSeconds(10), Slices: 4);
        var m = ContentionRunner.Run([new FakeWorkload()], settings, null, cancel.Token);
        Assert.True(m.Partial);
        Assert.Equal(0, m.Slices);
    }

    [Fact]
    public void WriterThread_RecordsAlwaysOrOnlyWhileAdvising()
    {
        using var thread = new WriterThread();
        var writer = new FakeWriter();
        var always = new HdrHistogram.LongHistogram(ContentionRow.HighestTrackableNanoseconds, 3);
        thread.Start(writer, always, recordAlways: true, TimeSpan.Zero);
        WaitFor(() => writer.Steps > 100);
        Assert.Null(thread.Stop());
        Assert.Equal(writer.Steps, always.TotalCount);

        var quiet = new HdrHistogram.LongHistogram(ContentionRow.HighestTrackableNanoseconds, 3);
        var before = writer.Steps;
        thread.Start(writer, quiet, recordAlways: false, TimeSpan.Zero);
        WaitFor(() => writer.Steps > before + 100);
        Assert.Null(thread.Stop());
        Assert.Equal(0, quiet.TotalCount);
    }

    [Fact]
    public void WriterThread_Paced_SleepsBetweenCallsAndRecordsEach()
    {
        using var thread = new WriterThread();
        var writer = new FakeWriter();
        var latency = new HdrHistogram.LongHistogram(ContentionRow.HighestTrackableNanoseconds, 3);
        thread.Start(writer, latency, recordAlways: true, TimeSpan.FromMicroseconds(100));
        WaitFor(() => writer.Steps > 20);
        Assert.Null(thread.Stop());
        Assert.Equal(writer.Steps, latency.TotalCount);
    }

    [Fact]
    public void WriterThread_FailingWriter_ReportsTheErrno()
    {
        using var thread = new WriterThread();
        var histogram = new HdrHistogram.LongHistogram(ContentionRow.HighestTrackableNanoseconds, 3);
        var writer = new FakeWriter { Result = -12 };
        thread.Start(writer, histogram, recordAlways: true, TimeSpan.Zero);
        WaitFor(() => writer.Steps > 0);
        Assert.Equal("writer: -ENOMEM", thread.Stop());
        Assert.Equal(0, histogram.TotalCount);
    }

    private static void WaitFor(Func<bool> condition) =>
        Assert.True(SpinWait.SpinUntil(condition, TimeSpan.FromSeconds(30)), "hang guard: the writer thread made no progress in 30 s");

    private static (int Code, string Output, string Error) Madv(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.Run(args, Program.CreateTargets(), output, error);
        return (code, output.ToString().ReplaceLineEndings("\n"), error.ToString().ReplaceLineEndings("\n"));
    }
}
