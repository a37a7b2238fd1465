using System.Text;
using Madvise.Replay.Model;
using Madvise.Replay.Strace;
using Madvise.Replay.Tests.Shared;

namespace Madvise.Replay.Tests.Strace;

/// <summary>Input no strace writes: the parser never throws, counts what it cannot use, and keeps its memory bounded.</summary>
public sealed class HostileInputTests
{
    [Fact]
    public void BinaryGarbage_NeverThrows_AllCounted()
    {
        var random = new Random(1234);
        var bytes = new byte[1 << 20];
        random.NextBytes(bytes);
        var (events, stats) = Parse.Bytes(bytes);
        Assert.True(stats.Lines > 1000);
        Assert.Equal(stats.Unusable, events.Count(e => e.Kind == TraceEventKind.Unusable) + stats.Count(LineProblem.UnfinishedTwice));
        Assert.Equal(0, stats.Calls);
        Assert.Equal(0, stats.Count(LineProblem.ParserError));
    }

    [Fact]
    public void MutatedRealLines_NeverThrow()
    {
        var lines = File.ReadAllLines(RepoPaths.Trace("syscalls/edge.log")).Take(400).ToArray();
        var random = new Random(99);
        var sb = new StringBuilder();
        for (var round = 0; round < 20; round++)
        {
            foreach (var line in lines)
            {
                var chars = line.ToCharArray();
                var edits = random.Next(0, 4);
                for (var e = 0; e < edits && chars.Length > 0; e++)
                {
                    var i = random.Next(chars.Length);
                    chars[i] = (char)random.Next(0, 128);
                }

                // Cut some lines anywhere.
                var keep = random.Next(10) == 0 ? random.Next(chars.Length + 1) : chars.Length;
                sb.Append(chars, 0, keep).Append('\n');
            }
        }

        var (events, stats) = Parse.Text(sb.ToString());
        Assert.True(stats.Calls > 1000);
        Assert.True(stats.Unusable > 0);
        Assert.NotEmpty(events);
        Assert.Equal(0, stats.Count(LineProblem.ParserError));
    }

    [Fact]
    public void ControlBytes_InsideLines()
    {
        var (events, stats) = Parse.Text("1 1.1 madvise(0x1000,\u0000 4096, MADV_COLD) = 0\n\u0007\u001b[31m1 1.2 brk(NULL) = 0x1000\n1 1.3 brk(NULL\r) = 0x1000\r\n");
        Assert.Equal(3, stats.Lines);
        Assert.True(stats.Unusable >= 2);
        Assert.All(events.Where(e => e.Kind == TraceEventKind.Unusable), e => Assert.DoesNotContain('\u0000', stats.Examples.First().Text));
    }

    [Fact]
    public void EnormousLine_SkippedWithBoundedMemory()
    {
        const int limit = 64 << 10;

        // 64 MiB without a newline, then a good line: generated on the fly, never held in memory.
        using var stream = new GeneratedStream(64L << 20, "\n1 1.0 brk(NULL) = 0x1000\n"u8.ToArray());
        var before = GC.GetAllocatedBytesForCurrentThread();
        var (events, stats) = Parse.Stream(stream, limit);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1, stats.Count(LineProblem.TooLong));
        Assert.Equal(1, stats.Calls);
        Assert.Equal(SyscallKind.Brk, events[^1].Syscall);
        Assert.True(allocated < 8L * limit + (2 << 20), $"allocated {allocated} bytes for a 64 MiB line with a {limit}-byte limit");
    }

    [Fact]
    public void EnormousLastLine_WithoutNewline()
    {
        using var stream = new GeneratedStream(8L << 20, []);
        var (_, stats) = Parse.Stream(stream, 1 << 16);
        Assert.Equal(1, stats.Count(LineProblem.TooLong));
        Assert.Equal(1, stats.Lines);
    }

    [Fact]
    public void ManyThreadsWithPendingCalls_Bounded()
    {
        var sb = new StringBuilder();
        for (var tid = 1; tid <= StraceParser.MaxPendingCalls + 100; tid++)
        {
            sb.Append(tid).Append(" 1.0 madvise(0x1000, 4096, MADV_COLD <unfinished ...>\n");
        }

        var (events, stats) = Parse.Text(sb.ToString());
        Assert.Equal(100, stats.Count(LineProblem.TooManyPending));
        Assert.Equal(StraceParser.MaxPendingCalls, events.Count(e => e.Kind == TraceEventKind.Call && e.Result == ResultKind.Missing));
    }

    [Theory]
    [InlineData("99999999999999999999 1.0 brk(NULL) = 0x1000")]
    [InlineData("1 99999999999999999999.0 brk(NULL) = 0x1000")]
    [InlineData("1 1.0 madvise(0xffffffffffffffffff, 4096, MADV_COLD) = 0")]
    [InlineData("1 1.0 madvise(0x1000, 4096, MADV_COLD)) = 0")]
    [InlineData("1 1.0 madvise(0x1000, 4096, \"unterminated) = 0")]
    [InlineData("1 1.0 process_madvise(3, [{iov_base=0x1000, iov_len=}], 1, MADV_COLD, 0) = 0")]
    [InlineData("1 1.0 process_madvise(3, [{iov_base=0x1000 iov_len=1}, 1, MADV_COLD, 0) = 0")]
    [InlineData("1 1.0 mmap(NULL, 8192, PROT_BOGUS, MAP_PRIVATE, -1, 0) = 0x1000")]
    [InlineData("1 1.0 clone3({flags=CLONE_VM|¤} => {parent_tid=[2]}, 88) = 2")]
    [InlineData("1 1.0 <... resumed>")]
    [InlineData("1 1.0 +++ exited with x +++")]
    [InlineData("1 1.0 madvise(0x1000, 4096, MADV_COLD) = <0.1>")]
    [InlineData("1 1.0 execve(\"/bin/\\777x\\\", [], NULL) = 0")]
    public void MalformedLines_Unusable_NeverThrow(string line)
    {
        var (events, stats) = Parse.Text(line + "\n");
        Assert.Single(events);
        Assert.Equal(1, stats.Lines);
        Assert.True(events[0].Kind == TraceEventKind.Unusable || events[0].Kind == TraceEventKind.Call);
        if (events[0].Kind == TraceEventKind.Unusable)
        {
            Assert.Equal(1, stats.Unusable);
        }

        Assert.Equal(0, stats.Count(LineProblem.ParserError));
    }

    /// <summary>A stream of <c>length</c> 'x' bytes followed by a tail, produced as it is read.</summary>
    private sealed class GeneratedStream(long length, byte[] tail) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length + tail.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = 0;
            while (n < count && _position < Length)
            {
                buffer[offset + n++] = _position < length ? (byte)'x' : tail[_position - length];
                _position++;
            }

            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
