using System.Text.Json;
using Madvise.Cli;
using Madvise.Cli.Commands;
using Madvise.Replay.Recording;
using Madvise.Replay.Tests.Shared;

namespace Madvise.Replay.Tests.Cli;

/// <summary><c>madv replay</c> and <c>madv trace</c> as a user runs them.</summary>
public sealed class ReplayCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("madv-replay-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// How long the traced program is held in its first mmap() while its maps are read (the
    /// default is 100 ms). The reader polls /proc; at load averages of 10-30 it was once not
    /// scheduled within 100 ms and the test failed, so the tests hold longer.
    /// </summary>
    private const string HoldMilliseconds = "1000";

    [Fact]
    public void Replay_RecordedTrace_TablesAndJson()
    {
        var json = Path.Combine(_dir, "redis.json");
        var (code, output, error) = Madv("replay", RepoPaths.Trace("redis/redis-bench.log"), "--profile", "PerRangeLock", "--profile", "BatchedLock", "--json", json);
        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Contains("maps: " + RepoPaths.Trace("redis/redis-bench.execve.maps"), output, StringComparison.Ordinal);
        Assert.Contains("results: 284 calls, 276 judged, 276 matched (100.000%), 0 differed, 8 not judged", output, StringComparison.Ordinal);
        Assert.Contains("## redis-server", output, StringComparison.Ordinal);
        Assert.Contains("advice: MADV_DONTNEED 145, MADV_FREE 1", output, StringComparison.Ordinal);
        Assert.Contains("Batching advisor", output, StringComparison.Ordinal);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal("madv-replay/1", root.GetProperty("schema").GetString());
        Assert.Equal(284, root.GetProperty("calls").GetInt64());
        Assert.Equal(276, root.GetProperty("judged").GetInt64());
        Assert.Equal(276, root.GetProperty("matched").GetInt64());
        Assert.Equal(0, root.GetProperty("differed").GetInt64());
        Assert.Equal(8, root.GetProperty("unjudged").GetInt64());
        Assert.Equal(0, root.GetProperty("differences").GetArrayLength());
        var program = Assert.Single(root.GetProperty("programs").EnumerateArray());
        Assert.Equal("redis-server", program.GetProperty("name").GetString());
        Assert.Equal(2, program.GetProperty("profiles").GetArrayLength());
        var perRange = program.GetProperty("profiles")[0];
        Assert.Equal("PerRangeLock", perRange.GetProperty("profile").GetString());
        Assert.Equal(146, perRange.GetProperty("original")[0].GetProperty("advice_calls").GetInt64());
        Assert.Equal(3, program.GetProperty("advisor").GetProperty("runs").GetInt64());
        Assert.Equal(5, root.GetProperty("passes").GetArrayLength());
    }

    [Fact]
    public void Replay_Difference_Exit1_ListedInTextAndJson()
    {
        var log = Write("d.log", "1 1.1 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n1 1.2 madvise(0x7f0000000000, 8192, MADV_DONTNEED) = -1 EINVAL (Invalid argument)\n");
        var json = Path.Combine(_dir, "d.json");
        var (code, output, _) = Madv("replay", log, "--no-advisor", "--profile", "PerVmaLock", "--json", json);
        Assert.Equal(1, code);
        Assert.Contains("DIFFERS line 2 (tid 1): 1 1.2 madvise(0x7f0000000000, 8192, MADV_DONTNEED) = -1 EINVAL (Invalid argument) -- logged -1 EINVAL, simulated 0", output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var d = Assert.Single(doc.RootElement.GetProperty("differences").EnumerateArray());
        Assert.Equal(2, d.GetProperty("line").GetInt64());
        Assert.Equal("-1 EINVAL", d.GetProperty("logged").GetString());
        Assert.Equal("0", d.GetProperty("ours").GetString());
        Assert.Equal("pid 1", d.GetProperty("program").GetString());
    }

    [Fact]
    public void Replay_BinaryFile_NotAnStraceLog_Exit2()
    {
        var log = Path.Combine(_dir, "garbage.log");
        var bytes = new byte[200_000];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(log, bytes);
        var json = Path.Combine(_dir, "garbage.json");
        var (code, output, error) = Madv("replay", log, "--no-advisor", "--profile", "PerVmaLock", "--json", json);
        Assert.Equal(2, code);
        Assert.Contains("lines not used:", output, StringComparison.Ordinal);
        Assert.Contains("results: 0 calls", output, StringComparison.Ordinal);
        Assert.Contains($"madv: {log}: not an strace log: none of its ", error, StringComparison.Ordinal);
        Assert.False(File.Exists(json));
    }

    /// <summary>Binary lines, a line cut in the middle and a log cut mid-line among real lines: counted and shown, the rest replayed as if they were not there.</summary>
    [Fact]
    public void Replay_DamagedLinesAmongRealOnes_CountedNotFatal()
    {
        var lines = File.ReadAllLines(RepoPaths.Trace("redis/redis-bench.log")).ToList();
        lines.Insert(100, "\u0001\u00ff\u0000 binary \u0007");
        lines.Insert(200, lines[199][..(lines[199].Length / 2)] + "<truncated");
        var log = Path.Combine(_dir, "redis-bench.log");
        File.WriteAllText(log, string.Join('\n', lines) + "\n8388  1796597760.000000 madvise(0x7f2c1ac00000, 40");
        File.Copy(RepoPaths.Trace("redis/redis-bench.execve.maps"), Path.Combine(_dir, "redis-bench.execve.maps"));

        var (code, output, error) = Madv("replay", log, "--no-advisor", "--profile", "PerVmaLock");
        Assert.True(code == 0, error);
        Assert.Contains("; ends mid-line", output, StringComparison.Ordinal);
        Assert.Contains("lines not used: 3 (", output, StringComparison.Ordinal);
        Assert.Contains("  line 101: ", output, StringComparison.Ordinal);
        Assert.Contains("  line 201: ", output, StringComparison.Ordinal);
        Assert.Contains("  line 292: Truncated: 8388  1796597760.000000 madvise(0x7f2c1ac00000, 40", output, StringComparison.Ordinal);
        Assert.Contains("results: 284 calls, 276 judged, 276 matched (100.000%), 0 differed, 8 not judged", output, StringComparison.Ordinal);
    }

    /// <summary>What cannot be a log is refused before anything is replayed, with what is wrong.</summary>
    [Theory]
    [InlineData("missing.log", "no such file")]
    [InlineData(".", "is a directory, not a log")]
    [InlineData("empty.log", "empty (or a device, not a log): nothing to replay")]
    [InlineData("/dev/null", "empty (or a device, not a log): nothing to replay")]
    public void Replay_NoLogToRead_Exit2(string name, string message)
    {
        File.WriteAllText(Path.Combine(_dir, "empty.log"), string.Empty);
        var log = name.StartsWith('/') ? name : Path.Combine(_dir, name);
        var (code, output, error) = Madv("replay", log);
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal($"madv: {log}: {message}\n", error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Replay_Fifo_RefusedAsNotARegularFile()
    {
        var fifo = Path.Combine(_dir, "log.fifo");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // A writer, so that madv's opening of the FIFO does not wait for one. madv's open for
        // reading returns only once this writer's open has returned too, so when madv has exited
        // the writer ends by itself: its data fitted in the pipe, or its write fails with EPIPE.
        // (The test used to open a reader of its own when the writer had not finished yet: when
        // the writer finished between that check and the open, the open waited for a writer that
        // never came, and the test run hung.)
        var writer = Task.Run(() => File.WriteAllText(fifo, File.ReadAllText(RepoPaths.Trace("redis/redis-bench.log"))));
        var (code, output, error) = Madv("replay", fifo);
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("not a regular file (a pipe?): madv replay reads the log once per pass; save it to a file first", error, StringComparison.Ordinal);

        try
        {
            await writer.WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (IOException)
        {
            // Broken pipe: madv closed the FIFO without reading it.
        }
    }

    /// <summary>A --json the replay could not write is refused before the replay, not after it.</summary>
    [Fact]
    public void Replay_JsonInAMissingDirectory_RefusedFirst()
    {
        var json = Path.Combine(_dir, "no-such-dir", "r.json");
        var (code, output, error) = Madv("replay", RepoPaths.Trace("redis/redis-bench.log"), "--json", json);
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal($"madv: --json {json}: the directory {Path.GetDirectoryName(json)} does not exist\n", error.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("--profile", "Frob", "not a kernel profile")]
    [InlineData("--runs", "0", "--runs 0")]
    [InlineData("--window", "-5", "--window -5")]
    [InlineData("--memory", "lots", "--memory lots")]
    [InlineData("--maps", "/nonexistent/x.maps", "cannot read")]
    [InlineData("--runs", "x", "madv: --runs: expected a number of runs, e.g. 3, not 'x'")]
    [InlineData("--window", "1.5", "madv: --window: expected microseconds, e.g. 1000, not '1.5'")]
    public void Replay_BadOptions_Exit2(string option, string value, string message)
    {
        var (code, _, error) = Madv("replay", RepoPaths.Trace("redis/redis-bench.log"), option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_MissingLogAndBadMaps_Exit2()
    {
        Assert.Equal(2, Madv("replay", Path.Combine(_dir, "missing.log")).Code);
        var maps = Write("bad.maps", "this is not a maps file\n");
        var (code, _, error) = Madv("replay", RepoPaths.Trace("redis/redis-bench.log"), "--maps", maps);
        Assert.Equal(2, code);
        Assert.Contains("not a /proc/PID/maps file", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_WithoutStrace_SaysSoExit2()
    {
        var error = new StringWriter();
        var context = new CliContext(Program.CreateTargets(), new StringWriter(), error);
        var code = TraceCommand.Execute(context, Path.Combine(_dir, "t.log"), null, maps: true, 100, ["/bin/true"], searchPath: _dir);
        Assert.Equal(2, code);
        Assert.Contains("strace is not installed", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("apt-get install strace", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "give a command after --")]
    [InlineData(new[] { "--pid", "1", "--", "/bin/true" }, "either a command or --pid")]
    [InlineData(new[] { "--pid", "2147483000" }, "no such process")]
    [InlineData(new[] { "--maps-delay", "0", "--", "/bin/true" }, "--maps-delay 0")]
    [InlineData(new[] { "-o", "/nonexistent/dir/t.log", "--", "/bin/true" }, "directory does not exist")]
    [InlineData(new[] { "--pid", "init" }, "madv: --pid: expected a process id, e.g. 4242, not 'init'")]
    [InlineData(new[] { "--maps-delay", "0.5", "--", "/bin/true" }, "madv: --maps-delay: expected milliseconds, e.g. 100, not '0.5'")]
    public void Trace_BadOptions_Exit2(string[] args, string message)
    {
        var (code, _, error) = Madv(["trace", .. args]);
        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_ThenReplay_ARealProgram()
    {
        var log = Path.Combine(_dir, "true.log");
        var (code, output, error) = Madv("trace", "-o", log, "--maps-delay", HoldMilliseconds, "--", "/bin/true");
        if (StraceRecorder.FindStrace() is null)
        {
            // Without strace the command says so (this machine's CI has it installed).
            Assert.Equal(2, code);
            Assert.Contains("strace is not installed", error, StringComparison.Ordinal);
            return;
        }

        Assert.True(code == 0, error);
        Assert.Contains($"wrote {log} (", output, StringComparison.Ordinal);
        var maps = Path.Combine(_dir, "true.maps");
        Assert.True(File.Exists(maps), error);
        Assert.Contains("/usr/bin/true", File.ReadAllText(maps), StringComparison.Ordinal);

        var (replayCode, replayOutput, _) = Madv("replay", log, "--no-advisor", "--profile", "PerVmaLock");
        Assert.Equal(0, replayCode);
        Assert.Contains("maps: " + maps, replayOutput, StringComparison.Ordinal);
        Assert.Contains("0 differed", replayOutput, StringComparison.Ordinal);
        Assert.Contains("address space: 1", replayOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// A static program (Debian's ldconfig is static-pie; Go programs are static too) has no
    /// ld.so: its maps are read at its own first mmap(), after its brk() calls made [heap].
    /// </summary>
    [Fact]
    public void Trace_StaticProgram_MapsAtItsFirstMmap()
    {
        const string LdConfig = "/sbin/ldconfig";
        var log = Path.Combine(_dir, "ldconfig.log");
        var (code, _, error) = Madv("trace", "-o", log, "--maps-delay", HoldMilliseconds, "--", LdConfig, "--version");
        if (StraceRecorder.FindStrace() is null || !File.Exists(LdConfig))
        {
            Assert.NotEqual(0, code);
            return;
        }

        Assert.True(code == 0, error);
        var maps = File.ReadAllText(Path.Combine(_dir, "ldconfig.maps"));
        Assert.Contains("ldconfig", maps, StringComparison.Ordinal);
        Assert.DoesNotContain("ld-linux", maps, StringComparison.Ordinal);
        Assert.Contains("[stack]", maps, StringComparison.Ordinal);
        Assert.Contains(" mmap(", File.ReadLines(log).First(l => l.Contains("(DELAYED)", StringComparison.Ordinal)), StringComparison.Ordinal);

        var (replayCode, replayOutput, _) = Madv("replay", log, "--no-advisor", "--profile", "PerVmaLock");
        Assert.Equal(0, replayCode);
        Assert.Contains(" 0 differed", replayOutput, StringComparison.Ordinal);
        Assert.Contains(", 0 implicit (0 bytes)", replayOutput, StringComparison.Ordinal);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
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
