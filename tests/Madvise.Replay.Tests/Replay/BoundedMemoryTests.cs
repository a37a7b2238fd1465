using System.Globalization;
using Madvise.Replay.Replay;
using Madvise.Replay.Strace;

namespace Madvise.Replay.Tests.Replay;

/// <summary>
/// A huge log costs time, not memory: once the address space is set up, replaying a call
/// allocates nothing on the replaying thread (so nothing can pile up per line), differences
/// beyond those listed are only counted, and exited processes are let go.
/// </summary>
public sealed class BoundedMemoryTests : IDisposable
{
    private const string Anon = "PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0";

    private const ulong Base = 0x7f00_0000_0000;

    private readonly string _dir = Directory.CreateTempSubdirectory("madv-replay-bounded-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>madvise calls over 4,096 pages, each page written first (touch) and zapped: the second half of the log allocates nothing.</summary>
    [Theory]
    [InlineData("MADV_DONTNEED", "0")]
    [InlineData("MADV_FREE", "0")]
    [InlineData("MADV_DONTNEED", "-1 EINVAL (Invalid argument)")]
    public void MadviseHeavyLog_NoAllocationPerCall(string advice, string logged)
    {
        const int Calls = 60_000;
        var log = Write("madvise.log", w =>
        {
            w.WriteLine($"100 1.000000 mmap(NULL, 16777216, {Anon}) = 0x{Base:x}");
            for (var i = 0; i < Calls; i++)
            {
                w.WriteLine(Line(100, i, $"madvise(0x{Base + ((ulong)(i % 4096) * 4096):x}, 4096, {advice}) = {logged}"));
            }
        });

        using var replayer = new TraceReplayer(new ReplayOptions());
        using var parser = new StraceParser(new FileStream(log, FileMode.Open, FileAccess.Read));
        long events = 0, allocatedAtHalf = 0;
        while (parser.Read())
        {
            replayer.Apply(parser.Current);
            if (++events == Calls / 2)
            {
                allocatedAtHalf = GC.GetAllocatedBytesForCurrentThread();
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedAtHalf;
        var tally = Assert.Single(replayer.Programs);
        Assert.Equal(Calls + 1, tally.Calls);
        if (logged == "0")
        {
            Assert.Equal((long)Calls + 1, tally.Matched);
            Assert.Equal(Calls, tally.TouchedPages);
        }
        else
        {
            // Every call differs: the first MaxDifferences are listed, the rest only counted.
            Assert.Equal(Calls, tally.Differed);
            Assert.Equal(ProgramTally.MaxDifferences, tally.Differences.Count);
            Assert.Equal(Calls - ProgramTally.MaxDifferences, tally.DifferencesNotKept);
        }

        // A few hundred bytes at most for the whole second half (30,000 calls): one allocation per call would be 30 times that.
        Assert.True(allocated < 16 * 1024, $"{allocated:N0} bytes allocated by the second half of the log ({Calls / 2:N0} calls)");
    }

    /// <summary>A process that forks and reaps 2,000 children, each advising its copy of the memory: none is kept once it exited.</summary>
    [Fact]
    public void ManyShortLivedProcesses_NoneKeptAfterExit()
    {
        const int Children = 2_000;
        var log = Write("fork.log", w =>
        {
            w.WriteLine($"100 1.000000 mmap(NULL, 65536, {Anon}) = 0x{Base:x}");
            for (var i = 0; i < Children; i++)
            {
                var child = 1000 + i;
                w.WriteLine(Line(100, 4 * i, $"clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000100000) = {child}"));
                w.WriteLine(Line(child, (4 * i) + 1, $"madvise(0x{Base:x}, 65536, MADV_DONTNEED) = 0"));
                w.WriteLine(Line(child, (4 * i) + 2, "exit_group(0) = ?"));
                w.WriteLine($"{child} 1.{(4 * i) + 3:D6} +++ exited with 0 +++");
            }
        });

        using var replayer = new TraceReplayer(new ReplayOptions());
        using var parser = new StraceParser(new FileStream(log, FileMode.Open, FileAccess.Read));
        while (parser.Read())
        {
            replayer.Apply(parser.Current);
        }

        var tally = Assert.Single(replayer.Programs);
        Assert.Equal(Children + 1, replayer.ProcessCount);
        Assert.Equal(1, replayer.RunningProcessCount);
        Assert.Equal(Children + 1, tally.Processes);
        Assert.Equal(0, tally.Differed);
        Assert.Equal((long)Children + 1, tally.Matched);
    }

    /// <summary>A log strace is still writing: every pass reads the bytes it had when the replay started.</summary>
    [Fact]
    public void ByteLimit_StopsTheReaderThereEvenMidLine()
    {
        var text = "100 1.000001 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n100 1.000002 munmap(0x7f0000000000, 4096) = 0\n"u8.ToArray();
        var limit = text.AsSpan().IndexOf((byte)'\n') + 1 + 20;
        using var reader = new StraceLineReader(new MemoryStream(text), byteLimit: limit);
        Assert.True(reader.TryReadLine(out var first, out var status));
        Assert.Equal(LineStatus.Complete, status);
        Assert.EndsWith("= 0x7f0000000000", System.Text.Encoding.ASCII.GetString(first), StringComparison.Ordinal);
        Assert.True(reader.TryReadLine(out var cut, out status));
        Assert.Equal(LineStatus.Unterminated, status);
        Assert.Equal("100 1.000002 munmap(", System.Text.Encoding.ASCII.GetString(cut));
        Assert.False(reader.TryReadLine(out _, out _));
        Assert.Equal(limit, reader.BytesRead);
    }

    private static string Line(int pid, int i, string call) => string.Create(CultureInfo.InvariantCulture, $"{pid} {1 + (i / 1_000_000)}.{i % 1_000_000:D6} {call}");

    private string Write(string name, Action<StreamWriter> lines)
    {
        var path = Path.Combine(_dir, name);
        using (var w = new StreamWriter(path))
        {
            lines(w);
        }

        return path;
    }
}
