using System.Text.Json;
using Madvise.Cli;
using Madvise.Cli.Commands;
using Madvise.Host;
using Madvise.Kernel;
using Madvise.Abi;

namespace Madvise.Scenarios.Tests.Cli;

/// <summary><c>madv eval</c> end to end on tiny buffers: parsing, the table, and the JSON, CSV and plot files.</summary>
public sealed class EvalCommandTests : IDisposable
{
    /// <summary>A folder for output files, private to one test.</summary>
    private readonly string _dir = Directory.CreateTempSubdirectory("madv-eval-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Sim_AllProfiles_TableAndFiles()
    {
        var json = Path.Combine(_dir, "eval.json");
        var csv = Path.Combine(_dir, "eval.csv");
        var png = Path.Combine(_dir, "eval.png");
        var (code, output, error) = Madv("eval", "--mem", "256K", "--target", "sim", "--batches", "0,1,16", "--repeat", "2", "--details", "--json", json, "--csv", csv, "--plot", png);

        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Contains("madv eval: MADV_DONTNEED over 256K in 4K units", output, StringComparison.Ordinal);
        Assert.Contains("2 rounds (2 passes per configuration)", output, StringComparison.Ordinal);
        foreach (var column in new[] { "PerRangeLock", "BatchedLock", "BatchedTlb", "PerVmaLock", "BatchedLock/PerRangeLock", "PerVmaLock/PerRangeLock" })
        {
            Assert.Contains(column, output, StringComparison.Ordinal);
        }

        Assert.Contains($"wrote {json}", output, StringComparison.Ordinal);

        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var root = doc.RootElement;
        Assert.Equal("madv-eval/2", root.GetProperty("schema").GetString());
        Assert.Equal(1, root.GetProperty("warmup_rounds").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("pin_cpu").ValueKind);
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("machine").GetProperty("cores").GetInt32());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("machine").GetProperty("cpu").GetString()));
        Assert.False(string.IsNullOrEmpty(root.GetProperty("machine").GetProperty("kernel").GetString()));
        Assert.False(root.GetProperty("partial").GetBoolean());
        Assert.Equal(2, root.GetProperty("rounds").GetInt32());
        var records = root.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(4 * 3, records.Count);
        foreach (var r in records)
        {
            Assert.Equal("sim", r.GetProperty("target").GetString());
            Assert.True(Enum.TryParse<KernelProfile>(r.GetProperty("profile").GetString(), out _));
            Assert.Equal("DONTNEED", r.GetProperty("hint").GetString());
            Assert.Equal(256 * 1024, r.GetProperty("mem").GetInt64());
            Assert.Equal(4096, r.GetProperty("unit").GetInt64());
            Assert.Contains(r.GetProperty("batch").GetInt32(), new[] { 0, 1, 16 });
            Assert.True(r.GetProperty("mean_ns").GetDouble() > 0);
            Assert.True(r.GetProperty("stddev_ns").GetDouble() >= 0);
            Assert.Equal(2, r.GetProperty("passes").GetInt32());

            // The raw pass times are there, and the summary is theirs.
            var samples = r.GetProperty("samples_ns").EnumerateArray().Select(e => e.GetDouble()).ToList();
            Assert.Equal(2, samples.Count);
            Assert.Equal(samples.Average(), r.GetProperty("mean_ns").GetDouble(), 0.1);
            Assert.Equal(samples.Min(), r.GetProperty("min_ns").GetDouble());
            Assert.Contains("few-samples", r.GetProperty("warnings").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(2, r.GetProperty("mean_ci95_ns").GetArrayLength());
            Assert.True(r.GetProperty("tlb_flushes_per_pass").GetDouble() > 0);
            Assert.Equal(JsonValueKind.Null, r.GetProperty("error").ValueKind);
        }

        // The counters explain the ratios: one lock per vector after the series, one per range before.
        Assert.Equal(64, Record(records, "PerRangeLock", 0).GetProperty("mmap_lock_per_pass").GetDouble());
        Assert.True(Record(records, "PerRangeLock", 16).GetProperty("mmap_lock_per_pass").GetDouble() >= 64);
        Assert.True(Record(records, "BatchedLock", 16).GetProperty("mmap_lock_per_pass").GetDouble() < 64);
        Assert.Equal(64, Record(records, "BatchedLock", 16).GetProperty("tlb_flushes_per_pass").GetDouble());
        Assert.Equal(4, Record(records, "BatchedTlb", 16).GetProperty("tlb_flushes_per_pass").GetDouble());
        Assert.Equal(0, Record(records, "PerVmaLock", 0).GetProperty("mmap_lock_per_pass").GetDouble());

        var lines = File.ReadAllLines(csv);
        Assert.Equal(EvalCsv.Header, lines[0]);
        Assert.Equal(1 + 12, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Equal(EvalCsv.Header.Split(',').Length, l.Split(',').Length));
        Assert.StartsWith("sim,PerRangeLock,DONTNEED,262144,4096,0,", lines[1], StringComparison.Ordinal);

        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.Empty(Directory.GetFiles(_dir, ".*.tmp"));
    }

    [Fact]
    public void Both_IncludesTheHostColumn_OrSaysWhyNot()
    {
        var json = Path.Combine(_dir, "both.json");
        var svg = Path.Combine(_dir, "both.svg");
        var (code, output, _) = Madv("eval", "--mem", "128K", "--profiles", "PerRangeLock,BatchedLock", "--batches", "0,8", "--repeat", "1", "--json", json, "--plot", svg);
        Assert.Equal(0, code);
        Assert.Contains("host", output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var host = doc.RootElement.GetProperty("records").EnumerateArray().Where(r => r.GetProperty("target").GetString() == "host").ToList();
        Assert.Equal(2, host.Count);
        Assert.All(host, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("profile").ValueKind));
        Assert.All(host, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("mmap_lock_per_pass").ValueKind));
        var vector = host.Single(r => r.GetProperty("batch").GetInt32() == 8);
        if (HostKernel.ProbeProcessMadvise(MemoryAdvice.MADV_DONTNEED) == 0)
        {
            Assert.Equal(1, vector.GetProperty("passes").GetInt32());
        }
        else
        {
            Assert.StartsWith("process_madvise: E", vector.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Contains("note: host: process_madvise()", output, StringComparison.Ordinal);
        }

        Assert.Contains("<svg", File.ReadAllText(svg), StringComparison.Ordinal);
    }

    [Fact]
    public void RejectedHint_ShowsTheErrnoInEveryCell()
    {
        // MADV_REMOVE needs a shared mapping: a private anonymous buffer answers EINVAL.
        var json = Path.Combine(_dir, "remove.json");
        var (code, output, _) = Madv("eval", "--mem", "64K", "--target", "sim", "--profiles", "BatchedLock", "--hint", "remove", "--batches", "0,4", "--repeat", "2", "--json", json);
        Assert.Equal(0, code);
        Assert.Contains("MADV_REMOVE", output, StringComparison.Ordinal);
        Assert.Contains("process_madvise: EINVAL", output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        Assert.All(doc.RootElement.GetProperty("records").EnumerateArray(), r =>
        {
            Assert.EndsWith("EINVAL", r.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, r.GetProperty("passes").GetInt32());
            Assert.Equal(JsonValueKind.Null, r.GetProperty("mean_ns").ValueKind);
        });
    }

    [Fact]
    public void Markdown_PrintsAPipeTable()
    {
        var (code, output, _) = Madv("eval", "--mem", "64K", "--target", "sim", "--profiles", "perrangelock,batchedlock", "--batches", "0,2", "--repeat", "1", "--markdown");
        Assert.Equal(0, code);
        var rows = output.Split('\n').Where(l => l.StartsWith('|')).ToList();
        Assert.Equal(4, rows.Count);
        Assert.Contains("BatchedLock/PerRangeLock", rows[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Interrupted_WritesPartialResults_Exit130()
    {
        var json = Path.Combine(_dir, "partial.json");
        var common = Common("sim", json);
        var settings = new EvalSettings(common.Spec, common.Targets, [0, 1], new EvalStopRule(3, null));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var output = new StringWriter();
        var code = EvalCommand.Execute(new CliContext(Program.CreateTargets(), output, new StringWriter()), common, settings, new EvalOutputs(null, false, false), cancel.Token);
        Assert.Equal(EvalCommand.Interrupted, code);
        Assert.Contains("PARTIAL", output.ToString(), StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        Assert.True(doc.RootElement.GetProperty("partial").GetBoolean());
    }

    [Theory]
    [InlineData("--mem 12Q", "--mem: '12Q' is not a size")]
    [InlineData("--mem 6K", "--mem must be a positive multiple of --unit")]
    [InlineData("--unit 6K", "--unit must be a multiple of 4096 bytes")]
    [InlineData("--mem 64G", "--mem may be at most 16G")]
    [InlineData("--hint FROB", "unknown behaviour 'FROB'")]
    [InlineData("--target moon", "--target must be sim, host or both")]
    [InlineData("--profiles PerRangeLock,Nope", "unknown profile 'Nope'")]
    [InlineData("--profiles 3", "unknown profile '3'")]
    [InlineData("--batches 0,2000", "--batches: '2000' is not a batch size between 0 and 1024")]
    [InlineData("--batches 1,x", "--batches: 'x' is not a batch size")]
    [InlineData("--repeat 0", "--repeat must be between 1 and 1000")]
    [InlineData("--warmup -1", "--warmup must be between 0 and 100")]
    [InlineData("--threads 0", "--threads: '0' is not a thread count between 1 and 64")]
    [InlineData("--threads 1,x", "--threads: 'x' is not a thread count")]
    [InlineData("--sibling-work spin", "--sibling-work must be sleep or touch")]
    [InlineData("--min-passes 0", "--min-passes must be between 1 and 1000")]
    [InlineData("--pin 4096", "--pin: CPU 4096 is not one this process may run on")]
    [InlineData("--seconds 0", "--seconds must be more than 0")]
    [InlineData("--plot out.gif", "--plot out.gif: the file name must end in .png or .svg")]
    [InlineData("--json out.txt", "--json out.txt: the file name must end in .json")]
    [InlineData("--csv out.json", "--csv out.json: the file name must end in .csv")]
    [InlineData("--json /no-such-dir/eval.json", "--json /no-such-dir/eval.json: the directory /no-such-dir does not exist")]
    [InlineData("--csv /proc/eval.csv", "--csv /proc/eval.csv: cannot create a file in /proc: no such file or directory")]
    [InlineData("--seconds abc", "--seconds: expected seconds, e.g. 2.5, not 'abc'")]
    [InlineData("--seconds 1,5", "--seconds: expected seconds, e.g. 2.5, not '1,5'")]
    [InlineData("--repeat x", "--repeat: expected a number of passes, e.g. 5, not 'x'")]
    [InlineData("--repeat 99999999999", "--repeat: expected a number of passes, e.g. 5, not '99999999999'")]
    [InlineData("--warmup one", "--warmup: expected a number of rounds, e.g. 1, not 'one'")]
    [InlineData("--min-passes 2.5", "--min-passes: expected a number of passes, e.g. 3, not '2.5'")]
    [InlineData("--pin cpu0", "--pin: expected a CPU number, e.g. 0, not 'cpu0'")]
    [InlineData("--target host --hint HWPOISON", "MADV_HWPOISON would take this machine's memory offline")]
    public void UsageErrors_Exit2(string args, string message)
    {
        var (code, output, error) = Madv(["eval", .. args.Split(' ')]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(output);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void HwpoisonWithBoth_LeavesTheHostOut()
    {
        var (code, output, _) = Madv("eval", "--mem", "64K", "--profiles", "BatchedLock", "--hint", "HWPOISON", "--batches", "0", "--repeat", "1");
        Assert.Equal(0, code);
        Assert.Contains("note: host left out: MADV_HWPOISON", output, StringComparison.Ordinal);
    }

    [Fact]
    public void OutputFileThatCannotBeWritten_RefusedBeforeMeasuring()
    {
        var json = Path.Combine(_dir, "missing-dir", "eval.json");
        var (code, output, error) = Madv("eval", "--mem", "64K", "--target", "sim", "--profiles", "BatchedLock", "--batches", "0", "--repeat", "1", "--json", json);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(output);
        Assert.Equal($"madv: --json {json}: the directory {Path.GetDirectoryName(json)} does not exist\n", error);
    }

    [Fact]
    public void OutputPathThatIsADirectory_Refused()
    {
        var json = Directory.CreateDirectory(Path.Combine(_dir, "eval.json")).FullName;
        var (code, output, error) = Madv("eval", "--target", "sim", "--json", json);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(output);
        Assert.Equal($"madv: --json {json}: is a directory\n", error);
    }

    [Fact]
    public void TheCheckLeavesNoFileBehind()
    {
        var json = Path.Combine(_dir, "eval.json");
        Assert.Null(OutputFiles.Check("--json", json, ".json"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public void FileThatFailsAfterTheMeasurement_Exit1_TableStillPrinted_MessageNamesTheUsersFile()
    {
        // The directory vanished during the run: the check passed, the write fails.
        var json = Path.Combine(_dir, "gone", "eval.json");
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext(Program.CreateTargets(), output, error);
        var common = Common("sim", json);
        var settings = new EvalSettings(common.Spec, common.Targets, [0], new EvalStopRule(1, null));
        var code = EvalCommand.Execute(context, common, settings, new EvalOutputs(null, false, false), CancellationToken.None);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("batch", output.ToString(), StringComparison.Ordinal);
        Assert.Equal($"madv: {json}: cannot write: no such file or directory\n", error.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Help_ShowsOptionsAndDetails()
    {
        var (code, output, _) = Madv("eval", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--mem", "--unit", "--hint", "--batches", "--target", "--profiles", "--seconds", "--repeat", "--quick", "--json", "--csv", "--plot", "--details", "--no-progress", "--markdown" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }

        Assert.Contains("130  interrupted by Ctrl+C", output, StringComparison.Ordinal);
    }

    [Fact]
    public void RootHelp_ListsEvalAndContention()
    {
        var (_, output, _) = Madv("--help");
        Assert.Contains("eval", output, StringComparison.Ordinal);
        Assert.Contains("contention", output, StringComparison.Ordinal);
    }

    private static JsonElement Record(List<JsonElement> records, string profile, int batch) =>
        records.Single(r => r.GetProperty("profile").GetString() == profile && r.GetProperty("batch").GetInt32() == batch);

    /// <summary>Shared settings for a direct <see cref="EvalCommand.Execute"/> call.</summary>
    internal static MeasureSettings Common(string target, string? json)
    {
        var selection = TargetSelection.Resolve(target, "BatchedLock", MemoryAdvice.MADV_DONTNEED, out _)!;
        return new MeasureSettings(new WorkloadSpec(64UL << 10, 4096, MemoryAdvice.MADV_DONTNEED), selection, json, null, Progress: false, Markdown: false);
    }

    private static (int Code, string Output, string Error) Madv(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.Run(args, Program.CreateTargets(), output, error);
        return (code, output.ToString().ReplaceLineEndings("\n"), error.ToString().ReplaceLineEndings("\n"));
    }
}
