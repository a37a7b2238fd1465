using Madvise.Replay.Model;
using Madvise.Replay.Strace;
using Madvise.Replay.Tests.Shared;

namespace Madvise.Replay.Tests.Strace;

/// <summary>Every line shape of docs/notes/strace-format.md, one test each (lines copied from the recorded traces).</summary>
public sealed class LineShapeTests
{
    [Theory]
    [InlineData("8388  1796597757.172519 brk(NULL)       = 0x5555557bb000 <0.000008>", 8388)]
    [InlineData("12896 1796596867.000001 brk(NULL) = 0x5555557bb000 <0.000008>", 12896)]
    [InlineData("4194303 1796596867.000001 brk(NULL) = 0x5555557bb000 <0.000008>", 4194303)]
    [InlineData("[pid  1403] 1796596867.000001 brk(NULL) = 0x5555557bb000 <0.000008>", 1403)]
    [InlineData("[pid 16611] brk(NULL) = 0x5555557bb000", 16611)]
    [InlineData("16626<pmadvise> 1796597950.368537 brk(NULL) = 0x5555557bb000 <0.000008>", 16626)]
    [InlineData("1796596962.665625 brk(NULL)             = 0x5555557bb000 <0.000042>", 0)]
    [InlineData("brk(NULL)                               = 0x5555557bb000", 0)]
    public void PidColumn_AllForms(string line, int tid)
    {
        var call = Parse.Call(line);
        Assert.Equal(tid, call.Tid);
        Assert.Equal(SyscallKind.Brk, call.Syscall);
        Assert.Equal(0x5555557bb000, call.Value);
    }

    [Fact]
    public void Timestamps_Unix_WithDuration()
    {
        var call = Parse.Call("8388  1796597757.172519 brk(NULL)       = 0x5555557bb000 <0.000008>");
        Assert.Equal(1796597757_172519L, call.Time);
        Assert.Equal(8, call.Duration);
    }

    [Fact]
    public void Timestamps_TimeOfDay_AcrossMidnight()
    {
        var (events, stats) = Parse.Text("16615 23:59:59.900000 brk(NULL) = 0x1000 <0.000257>\n16615 00:00:00.100000 brk(NULL) = 0x1000\n");
        Assert.Equal(TimestampFormat.TimeOfDay, stats.Timestamps);
        Assert.Equal(((23 * 3600L) + (59 * 60) + 59) * 1_000_000 + 900_000, events[0].Time);
        Assert.Equal(200_000, events[1].Time - events[0].Time);
    }

    [Fact]
    public void Timestamps_SecondsAndRelative_Summed()
    {
        var (events, _) = Parse.Text("16621 22:59:10 (+     0.000116) brk(NULL) = 0x1000\n16621 22:59:10 (+     0.000200) brk(NULL) = 0x1000\n");
        Assert.Equal(200, events[1].Time - events[0].Time);
        Assert.Equal(-1, events[0].Duration);
    }

    [Fact]
    public void Timestamps_RelativeOnly_Summed()
    {
        var (events, stats) = Parse.Text("     0.000000 brk(NULL) = 0x1000\n     0.000116 brk(NULL) = 0x1000\n");
        Assert.Equal(TimestampFormat.Relative, stats.Timestamps);
        Assert.Equal(116, events[1].Time);
    }

    [Fact]
    public void NoTimestamps_NoDurations()
    {
        var (events, stats) = Parse.Text("11666 madvise(0x7f572f300000, 4096, MADV_DONTNEED) = 0\n11666 exit_group(0)                     = ?\n");
        Assert.Equal(TimestampFormat.None, stats.Timestamps);
        Assert.False(stats.Durations);
        Assert.Equal(-1, events[0].Time);
        Assert.Equal(ResultKind.Unknown, events[1].Result);
        Assert.Equal([0UL], events[1].Args);
    }

    [Theory]
    [InlineData("madvise(0x7f65ee796000, 28672, MADV_DONTNEED) = 0", ResultKind.Value, 0L, 0)]
    [InlineData("mmap(NULL, 0, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = -1 EINVAL (Invalid argument)", ResultKind.Error, 0L, Errno.EINVAL)]
    [InlineData("munmap(0x7f2279be8000, 16384) = -1 EPERM (Operation not permitted)", ResultKind.Error, 0L, Errno.EPERM)]
    [InlineData("madvise(0x1000, 4096, MADV_NORMAL) = -1 (errno 999)", ResultKind.Error, 0L, 999)]
    [InlineData("pidfd_open(12896, 0) = 3<anon_inode:[pidfd]>", ResultKind.Value, 3L, 0)]
    [InlineData("exit_group(0)   = ?", ResultKind.Unknown, 0L, 0)]
    [InlineData("madvise(0x1000, 4096, MADV_NORMAL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)", ResultKind.Unknown, 0L, 0)]
    [InlineData("madvise(0x1000, 4096, MADV_NORMAL) = ? <unavailable>", ResultKind.Unknown, 0L, 0)]
    [InlineData("process_madvise(3, [], 0, MADV_COLD, 0) = 0", ResultKind.Value, 0L, 0)]
    [InlineData("mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f7e677eb000 (INJECTED)", ResultKind.Value, 0x7f7e677eb000L, 0)]
    public void Results(string line, ResultKind kind, long value, int errno)
    {
        var call = Parse.Call(line);
        Assert.Equal(kind, call.Result);
        Assert.Equal(value, call.Value);
        Assert.Equal(errno, call.Errno);
    }

    [Fact]
    public void UnfinishedResumed_AcrossThreads_JoinedWithEntryTime()
    {
        var (events, stats) = Parse.Text("""
            7368  1796596621.860528 madvise(0x7f259c9ed000, 4096, MADV_FREE <unfinished ...>
            7367  1796596621.860621 madvise(0x7f2590439000, 28672, MADV_DONTNEED <unfinished ...>
            7368  1796596621.860638 <... madvise resumed>) = 0 <0.000098>
            7367  1796596621.860820 <... madvise resumed>) = -1 ENOMEM (Cannot allocate memory) <0.000184>

            """);
        Assert.Equal([TraceEventKind.CallStarted, TraceEventKind.CallStarted, TraceEventKind.Call, TraceEventKind.Call], events.Select(e => e.Kind));
        var first = events[2];
        Assert.Equal(7368, first.Tid);
        Assert.Equal(1, first.FirstLine);
        Assert.Equal(3, first.Line);
        Assert.Equal(1796596621_860528L, first.Time);
        Assert.Equal(98, first.Duration);
        Assert.Equal([0x7f259c9ed000UL, 4096, (ulong)MemoryAdvice.MADV_FREE], first.Args);
        Assert.Equal("madvise(0x7f259c9ed000, 4096, MADV_FREE) = 0", first.Text);
        Assert.Equal(Errno.ENOMEM, events[3].Errno);
        Assert.Equal(2, stats.SplitCalls);
        Assert.Equal(2, stats.Calls);
    }

    [Fact]
    public void Unfinished_EntryArgumentsDecoded()
    {
        var (events, _) = Parse.Text("1 1.000001 munmap(0x7ffff7bc2000, 262144 <unfinished ...>\n");
        Assert.Equal(TraceEventKind.CallStarted, events[0].Kind);
        Assert.Equal([0x7ffff7bc2000UL, 262144], events[0].Args);
    }

    [Fact]
    public void Clone_SplitInsideArguments()
    {
        var (events, _) = Parse.Text("""
            9008  1.000001 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>
            9009  1.000002 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f7e677eb000
            9008  1.000003 <... clone resumed>, child_tidptr=0x7fa2e4e80a10) = 9009 <0.001459>

            """);
        Assert.Equal(CloneFlags.CLONE_CHILD_CLEARTID | CloneFlags.CLONE_CHILD_SETTID, events[0].Args[0]);
        var clone = events[2];
        Assert.Equal(SyscallKind.Clone, clone.Syscall);
        Assert.Equal(9009, clone.Value);
        Assert.Equal(CloneFlags.CLONE_CHILD_CLEARTID | CloneFlags.CLONE_CHILD_SETTID, clone.Args[0]);
    }

    [Fact]
    public void Clone3_ParentTidAtExit()
    {
        var (events, _) = Parse.Text("""
            9038  1.000001 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f7ce7d35990, parent_tid=0x7f7ce7d35990, exit_signal=0, stack=0x7f7ce7535000, stack_size=0x7fff80, tls=0x7f7ce7d356c0} <unfinished ...>
            9038  1.000002 <... clone3 resumed> => {parent_tid=[9039]}, 88) = 9039 <0.000445>
            9040  1.000003 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7ffff7dc1000, stack_size=0x9000}, 88 <unfinished ...>
            9040  1.000004 <... clone3 resumed>) = 18708 <0.019914>

            """);
        var thread = events[1];
        Assert.Equal(9039, thread.Value);
        Assert.NotEqual(0UL, thread.Args[0] & CloneFlags.CLONE_THREAD);
        var spawn = events[3];
        Assert.Equal(CloneFlags.CLONE_VM | CloneFlags.CLONE_VFORK, spawn.Args[0]);
        Assert.Equal(18708, spawn.Value);
    }

    [Fact]
    public void Vfork_And_Exit_Splits()
    {
        var (events, _) = Parse.Text("""
            18706 1.000001 vfork( <unfinished ...>
            18707 1.000002 exit_group(0) = ?
            18706 1.000003 <... vfork resumed>) = 18707 <0.000539>
            18708 1.000004 exit(0 <unfinished ...>
            18709 1.000005 brk(NULL) = 0x1000
            18708 1.000006 <... exit resumed>) = ?

            """);
        var vfork = Assert.Single(events, e => e.Syscall == SyscallKind.Vfork && e.Kind == TraceEventKind.Call);
        Assert.Equal(18707, vfork.Value);
        Assert.Equal(CloneFlags.CLONE_VM | CloneFlags.CLONE_VFORK, vfork.Args[0]);
        var exit = Assert.Single(events, e => e.Syscall == SyscallKind.Exit && e.Kind == TraceEventKind.Call);
        Assert.Equal(ResultKind.Unknown, exit.Result);
        Assert.Equal(-1, exit.Duration);
    }

    [Fact]
    public void Mincore_SplitBeforeVector()
    {
        var (events, _) = Parse.Text("1 1.1 mincore(0x7f2279dcc000, 8192,  <unfinished ...>\n2 1.2 brk(NULL) = 0x1000\n1 1.3 <... mincore resumed>[0, 0]) = 0\n");
        var call = events[2];
        Assert.Equal(SyscallKind.Mincore, call.Syscall);
        Assert.Equal([0x7f2279dcc000UL, 8192], call.Args);
        Assert.Equal(0, call.Value);
    }

    [Fact]
    public void ExecveFromAThread_PidChanged_Superseded()
    {
        var (events, _) = Parse.Text("""
            18711 1796598075.107510 execve("/tmp/madv-rec-edge/edge", ["/tmp/madv-rec-edge/edge", "stage3"], 0x7fffffffe6d0 /* 43 vars */ <pid changed to 18698 ...>
            18698 1796598075.107882 +++ superseded by execve in pid 18711 +++
            18698 1796598075.107909 <... execve resumed>) = 0 <0.000331>

            """);
        Assert.Equal(TraceEventKind.CallStarted, events[0].Kind);
        Assert.Equal(18698, events[0].Number);
        Assert.Equal(TraceEventKind.Superseded, events[1].Kind);
        Assert.Equal(18711, events[1].Number);
        var exec = events[2];
        Assert.Equal(TraceEventKind.Call, exec.Kind);
        Assert.Equal(18698, exec.Tid);
        Assert.Equal("/tmp/madv-rec-edge/edge", exec.Name);
        Assert.Equal(0, exec.Value);
    }

    [Fact]
    public void Execve_FailedAndCutStrings()
    {
        var call = Parse.Call("""execve("/root/.cargo/bin/bash", ["bash", "/root/.pyenv/shims/python3", "/work/wt/traces/tests/traces/pyt"...], 0x7ffdb1133550 /* 43 vars */) = -1 ENOENT (No such file or directory)""");
        Assert.Equal("/root/.cargo/bin/bash", call.Name);
        Assert.Equal(Errno.ENOENT, call.Errno);
    }

    [Fact]
    public void ProcessMadvise_Vectors()
    {
        var four = Parse.Call("process_madvise(3, [{iov_base=0x7f3993600000, iov_len=4096}, {iov_base=0x7f3993602000, iov_len=4096}, {iov_base=0x7f3993604000, iov_len=4096}, {iov_base=0x7f3993606000, iov_len=4096}], 4, MADV_COLD, 0) = 16384");
        Assert.Equal([3UL, 0, 4, (ulong)MemoryAdvice.MADV_COLD, 0], four.Args);
        Assert.Equal(4, four.Vector.Length);
        Assert.Equal(new IoVec(0x7f3993606000, 4096), four.Vector[3]);
        Assert.True(four.VectorComplete);

        var nullEntry = Parse.Call("process_madvise(3, [{iov_base=0x7f3993600000, iov_len=4096}, {iov_base=NULL, iov_len=0}, {iov_base=0x7f3993610000, iov_len=65536}], 3, MADV_PAGEOUT, 0) = 69632");
        Assert.Equal(new IoVec(0, 0), nullEntry.Vector[1]);
        Assert.True(nullEntry.VectorComplete);

        var empty = Parse.Call("process_madvise(3, [], 0, MADV_COLD, 0) = 0");
        Assert.Empty(empty.Vector);
        Assert.True(empty.VectorComplete);

        var flags = Parse.Call("process_madvise(3, [{iov_base=0x7f3993600000, iov_len=4096}], 1, 0x4d /* MADV_??? */, 0x1) = -1 EINVAL (Invalid argument)");
        Assert.Equal(0x4dUL, flags.Args[3]);
        Assert.Equal(1UL, flags.Args[4]);

        var address = Parse.Call("process_madvise(3, 0x7ffd12340000, 4, MADV_COLD, 0) = -1 EFAULT (Bad address)");
        Assert.Equal(0x7ffd12340000UL, address.Args[1]);
        Assert.False(address.VectorComplete);

        var withPath = Parse.Call("process_madvise(3<anon_inode:[pidfd]>, [], 0, MADV_COLD, 0) = 0");
        Assert.Equal(3UL, withPath.Args[0]);
        Assert.Equal("anon_inode:[pidfd]", withPath.FdPath);
    }

    [Fact]
    public void ProcessMadvise_TruncatedAfter32()
    {
        var entries = string.Join(", ", Enumerable.Range(0, 32).Select(i => $"{{iov_base=0x{0x7ffff6c00000 + (i * 0x2000):x}, iov_len=4096}}"));
        var call = Parse.Call($"14170 1796597853.988261 process_madvise(3, [{entries}, ...], 1024, MADV_COLD, 0) = 4194304 <0.000100>");
        Assert.Equal(32, call.Vector.Length);
        Assert.False(call.VectorComplete);
        Assert.Equal(1024UL, call.Args[2]);
        Assert.Equal(4194304, call.Value);
    }

    [Theory]
    [InlineData("madvise(0x7f2279ddc000, 65536, 0x66 /* MADV_??? */) = 0", 0x66UL)]
    [InlineData("madvise(0x7f2279ddc000, 65536, 0x14 /* MADV_COLD */) = 0", 20UL)]
    [InlineData("madvise(0x7f2279ddc000, 65536, 0x14) = 0", 20UL)]
    [InlineData("madvise(0x7f2279ddc000, 65536, MADV_DONTNEED_LOCKED) = 0", 24UL)]
    [InlineData("madvise(0x7f2279ddc000, 65536, MADV_HWPOISON) = -1 EINVAL (Invalid argument)", 100UL)]
    public void Advice_NamesAndNumbers(string line, ulong advice) => Assert.Equal(advice, Parse.Call(line).Args[2]);

    [Theory]
    [InlineData("mmap(NULL, 2097152, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT, -1, 0) = -1 ENOMEM (Cannot allocate memory)", 3UL, 0x22UL | 0x40000 | (21UL << 26))]
    [InlineData("mmap(NULL, 65536, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|16<<MAP_HUGE_SHIFT, -1, 0) = 0x7f2279c5c000", 0UL, 0x22UL | 0x40000000)]
    [InlineData("mmap(NULL, 65536, PROT_READ|0x40, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f2279c4c000", 0x41UL, 0x22UL)]
    [InlineData("mmap(NULL, 4096, PROT_READ, MAP_FILE, -1, 0) = -1 EBADF (Bad file descriptor)", 1UL, 0UL)]
    [InlineData("mmap(NULL, 65536, PROT_READ, MAP_SHARED_VALIDATE|MAP_SYNC, 3, 0) = -1 EOPNOTSUPP (Operation not supported)", 1UL, 0x80003UL)]
    [InlineData("mmap(NULL, 8192, 0x3, 0x22, -1, 0) = 0x7ffff7fc0000", 3UL, 0x22UL)]
    [InlineData("mmap(NULL, 8192, 0x3 /* PROT_READ|PROT_WRITE */, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0) = 0x7ffff7fc0000", 3UL, 0x22UL)]
    public void Mmap_FlagSpellings(string line, ulong prot, ulong flags)
    {
        var call = Parse.Call(line);
        Assert.Equal(prot, call.Args[2]);
        Assert.Equal(flags, call.Args[3]);
    }

    [Fact]
    public void Mmap_FdWithPath()
    {
        var call = Parse.Call("mmap(0x7fe5f9c50000, 65536, PROT_NONE, MAP_SHARED|MAP_FIXED, 8</memfd:doublemapper>(deleted), 0x1000) = 0x7fe5f9c50000");
        Assert.Equal(8UL, call.Args[4]);
        Assert.Equal(0x1000UL, call.Args[5]);
        Assert.Equal("/memfd:doublemapper", call.FdPath);
        Assert.Equal(ulong.MaxValue, Parse.Call("mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x1000").Args[4]);
    }

    [Fact]
    public void Mremap_FifthArgument()
    {
        var call = Parse.Call("mremap(0x7f2279bdc000, 16384, 16384, MREMAP_MAYMOVE|MREMAP_FIXED, 0x7f2279bc4000) = 0x7f2279bc4000");
        Assert.Equal([0x7f2279bdc000UL, 16384, 16384, 3, 0x7f2279bc4000], call.Args);
    }

    [Fact]
    public void OtherMemoryCalls()
    {
        Assert.Equal(0x100UL, Parse.Call("mlockall(0x100 /* MCL_??? */) = -1 EINVAL (Invalid argument)").Args[0]);
        Assert.Equal(1UL, Parse.Call("mlock2(0x7f2279dcc000, 32768, MLOCK_ONFAULT) = 0").Args[2]);
        Assert.Equal(0UL, Parse.Call("mlock2(0x7f2279dcc000, 32768, 0) = 0").Args[2]);
        Assert.Equal([16UL, 0x7ffff7fb7000], Parse.Call("io_setup(16, [0x7ffff7fb7000]) = 0").Args);
        Assert.Equal(SyscallKind.MovePages, Parse.Call("move_pages(0, 2, [0x7f2279dcc000, 0x7f2279dcd000], NULL, [-ENOENT, -ENOENT], 0) = 0").Syscall);
        Assert.Equal(unchecked((ulong)-1L), Parse.Call("pkey_mprotect(0x7ffff7d92000, 16384, PROT_READ|PROT_WRITE, -1) = 0").Args[3]);
    }

    [Fact]
    public void UnknownCalls_ByNumberAndByName()
    {
        var mseal = Parse.Call("syscall_0x1ce(0x7f2279be8000, 0x4000, 0, 0xffffffff, 0, 0) = 0");
        Assert.Equal(SyscallKind.Mseal, mseal.Syscall);
        Assert.Equal([0x7f2279be8000UL, 0x4000, 0], mseal.Args);
        var other = Parse.Call("futex_waitv(0x1, 2, 0, NULL, CLOCK_MONOTONIC) = 0");
        Assert.Equal(SyscallKind.Other, other.Syscall);
        Assert.Equal("futex_waitv", other.OtherName);
    }

    [Fact]
    public void Signals_Exits_Kills()
    {
        var (events, stats) = Parse.Text("""
            7891  1796596647.475525 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7891, si_uid=0, si_status=0, si_utime=45 /* 0.45 s */, si_stime=74 /* 0.74 s */} ---
            18698 1.1 --- stopped by SIGSTOP ---
            7891  1796596647.480224 +++ exited with 3 +++
            14533 1.2 +++ killed by SIGKILL +++
            14535 1.3 +++ killed by SIGSEGV (core dumped) +++

            """);
        Assert.Equal("SIGCHLD", events[0].Name);
        Assert.Equal("stopped", events[1].Name);
        Assert.Equal((TraceEventKind.Exited, 3), (events[2].Kind, events[2].Number));
        Assert.Equal((TraceEventKind.Killed, "SIGKILL"), (events[3].Kind, events[3].Name));
        Assert.Equal((TraceEventKind.Killed, "SIGSEGV"), (events[4].Kind, events[4].Name));
        Assert.Equal(2, stats.Signals);
        Assert.Equal(0, stats.Unusable);
    }

    [Fact]
    public void Detached_InFlight()
    {
        var call = Parse.Call("18743 1796598077.564276 madvise(0x7f56ad800000, 2147483648, MADV_POPULATE_WRITE <detached ...>");
        Assert.Equal(ResultKind.Missing, call.Result);
        Assert.Equal([0x7f56ad800000UL, 2147483648, (ulong)MemoryAdvice.MADV_POPULATE_WRITE], call.Args);
    }

    [Fact]
    public void LogCutMidLine_TruncatedAndPendingFlushed()
    {
        var (events, stats) = Parse.Text("13895 1.1 madvise(0x7fbf69b62000, 4096, MADV_DODUMP <unfinished ...>\n13896 1.2 madvise(0x7fbf69b62000, 65");
        Assert.True(stats.EndsMidLine);
        Assert.Equal(1, stats.Count(LineProblem.Truncated));
        var last = events[^1];
        Assert.Equal((TraceEventKind.Call, ResultKind.Missing, 13895), (last.Kind, last.Result, last.Tid));
        Assert.Equal((ulong)MemoryAdvice.MADV_DODUMP, last.Args[2]);
        Assert.Equal(1, stats.InFlight);
    }

    [Fact]
    public void ResumedWithoutStart_And_UnfinishedTwice_Counted()
    {
        var (events, stats) = Parse.Text("""
            5 1.1 <... vfork resumed>) = 18707
            6 1.2 madvise(0x1000, 4096, MADV_COLD <unfinished ...>
            6 1.3 madvise(0x2000, 4096, MADV_COLD <unfinished ...>
            6 1.4 <... munmap resumed>) = 0
            6 1.5 <... madvise resumed>) = 0

            """);
        Assert.Equal(2, stats.Count(LineProblem.ResumedWithoutStart));
        Assert.Equal(1, stats.Count(LineProblem.UnfinishedTwice));
        var call = Assert.Single(events, e => e.Kind == TraceEventKind.Call);
        Assert.Equal(0x2000UL, call.Args[0]);
    }

    [Fact]
    public void StraceMessage_InsideALine_Spliced()
    {
        var (events, stats) = Parse.Text("""
            clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLDstrace: Process 16611 attached
             <unfinished ...>
            [pid 16611] mmap(NULL, 262144, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7d92000
            [pid 16610] <... clone resumed>, child_tidptr=0x7ffff7dd2a10) = 16611

            """);
        Assert.Equal(1, stats.Count(LineProblem.StraceMessage));
        var clone = Assert.Single(events, e => e.Kind == TraceEventKind.Call && e.Syscall == SyscallKind.Clone);
        Assert.Equal(16610, clone.Tid);
        Assert.Equal(16611, clone.Value);
        Assert.Equal(0UL, clone.Args[0] & CloneFlags.CLONE_VM);
    }

    [Fact]
    public void BlankLines_Skipped_GarbageCounted()
    {
        var (events, stats) = Parse.Text("\n\nstrace: Process 123 attached\nhello world\n123 foo bar\n");
        Assert.Equal(3, stats.Unusable);
        Assert.All(events, e => Assert.Equal(TraceEventKind.Unusable, e.Kind));
        Assert.Equal(5, stats.Lines);
    }

    [Fact]
    public void LongVectorLine_Verbose()
    {
        var entries = string.Join(", ", Enumerable.Range(0, 2000).Select(i => $"{{iov_base=0x{0x7ffff6c00000 + (i * 0x2000):x}, iov_len=4096}}"));
        var call = Parse.Call($"process_madvise(3, [{entries}], 2000, MADV_COLD, 0) = -1 EINVAL (Invalid argument)");
        Assert.True(call.Text.Length > 80_000);
        Assert.Equal(2000, call.Vector.Length);
        Assert.True(call.VectorComplete);
    }
}
