using Madvise.Replay.Replay;
using Madvise.Replay.Tests.Shared;

namespace Madvise.Replay.Tests.Replay;

/// <summary>How the replayer maps a log's events onto simulated processes, with small hand-written logs.</summary>
public sealed class ReplaySemanticsTests
{
    private const string Anon = "PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0";

    [Fact]
    public void MmapAtTheLoggedAddress_ThenAdviceAndUnmapMatch()
    {
        using var r = Replays.Text($$"""
            100 1.000001 execve("/bin/prog", ["prog"], 0x7ffe /* 1 vars */) = 0
            100 1.000002 mmap(NULL, 65536, {{Anon}}) = 0x7f0000000000
            100 1.000003 madvise(0x7f0000000000, 65536, MADV_DONTNEED) = 0
            100 1.000004 madvise(0x7f0000010000, 4096, MADV_DONTNEED) = -1 ENOMEM (Cannot allocate memory)
            100 1.000005 madvise(0x7f0000000001, 4096, MADV_DONTNEED) = -1 EINVAL (Invalid argument)
            100 1.000006 munmap(0x7f0000000000, 65536) = 0
            100 1.000007 madvise(0x7f0000000000, 4096, MADV_COLD) = -1 ENOMEM (Cannot allocate memory)

            """);
        var t = Replays.Only(r);
        Assert.Equal("prog", t.Name);
        Assert.Equal((7L, 6L, 6L, 0L), (t.Calls, t.Judged, t.Matched, t.Differed));
        Assert.Equal(16, t.TouchedPages);
    }

    [Fact]
    public void MemoryNoCallMapped_ImplicitMapping_NotJudged()
    {
        using var r = Replays.Text("""
            7 1.1 mprotect(0x555555557000, 4096, PROT_READ) = 0
            7 1.2 madvise(0x555555557000, 8192, MADV_DONTNEED) = 0
            7 1.3 madvise(0x555555557000, 4096, MADV_WILLNEED) = 0

            """);
        var t = Replays.Only(r);
        Assert.Equal("pid 7", t.Name);
        Assert.Equal(2, t.ImplicitMappings);
        Assert.Equal(2, t.UnjudgedFor(Unjudged.ImplicitMapping));
        Assert.Equal(1, t.Matched);
    }

    [Fact]
    public void DifferentResult_ListedWithLineAndBothResults()
    {
        using var r = Replays.Text($$"""
            1 1.1 mmap(NULL, 8192, {{Anon}}) = 0x7f0000000000
            1 1.2 madvise(0x7f0000000000, 8192, MADV_DONTNEED) = -1 EINVAL (Invalid argument)

            """);
        var d = Assert.Single(Replays.Only(r).Differences);
        Assert.Equal((2L, 1, "-1 EINVAL", "0"), (d.Line, d.Tid, d.Logged, d.Ours));
        Assert.Equal("1 1.2 madvise(0x7f0000000000, 8192, MADV_DONTNEED) = -1 EINVAL (Invalid argument)", d.Text);
    }

    [Fact]
    public void ReplayHasAMappingTheKernelDidNot_Eexist_ReportedAndForced()
    {
        using var r = Replays.Text($$"""
            1 1.1 mmap(NULL, 8192, {{Anon}}) = 0x7f0000000000
            1 1.2 mmap(NULL, 8192, {{Anon}}) = 0x7f0000000000
            1 1.3 madvise(0x7f0000000000, 8192, MADV_DONTNEED) = 0

            """);
        var t = Replays.Only(r);
        var d = Assert.Single(t.Differences);
        Assert.Equal(("0x7f0000000000", "-1 EEXIST"), (d.Logged, d.Ours));
        Assert.NotNull(d.Note);
        Assert.Equal(2, t.Matched);
    }

    [Fact]
    public void MunmapStillInProgress_RunsBeforeTheMmapThatReusedItsAddress()
    {
        using var r = Replays.Text($$"""
            1 1.1 mmap(NULL, 8192, {{Anon}}) = 0x7f0000000000
            2 1.2 munmap(0x7f0000000000, 8192 <unfinished ...>
            1 1.3 mmap(NULL, 8192, {{Anon}}) = 0x7f0000000000
            2 1.4 <... munmap resumed>) = 0

            """);
        var t = Replays.Only(r);
        Assert.Equal((3L, 3L, 3L, 0L), (t.Calls, t.Judged, t.Matched, t.Differed));
    }

    [Fact]
    public void Fork_ChildCopiesTheAddressSpace_DontforkLeftOut()
    {
        using var r = Replays.Text($$"""
            1 1.1 mmap(NULL, 8192, {{Anon}}) = 0x7f0000000000
            1 1.2 mmap(NULL, 8192, {{Anon}}) = 0x7f0000100000
            1 1.3 madvise(0x7f0000100000, 8192, MADV_DONTFORK) = 0
            1 1.4 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>
            2 1.5 madvise(0x7f0000000000, 8192, MADV_DONTNEED) = 0
            2 1.6 madvise(0x7f0000100000, 8192, MADV_DONTNEED) = -1 ENOMEM (Cannot allocate memory)
            1 1.7 <... clone resumed>, child_tidptr=0x7f) = 2
            2 1.8 exit_group(0) = ?
            2 1.9 +++ exited with 0 +++
            1 2.0 madvise(0x7f0000100000, 8192, MADV_DONTNEED) = 0

            """);
        var t = Replays.Only(r);
        Assert.Equal(2, t.Processes);
        Assert.Equal((0L, 6L), (t.Differed, t.Matched));
    }

    [Fact]
    public void Threads_ShareTheAddressSpace()
    {
        using var r = Replays.Text($$"""
            1 1.1 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0} => {parent_tid=[2]}, 88) = 2
            2 1.2 mmap(NULL, 8192, {{Anon}}) = 0x7f0000000000
            1 1.3 madvise(0x7f0000000000, 8192, MADV_DONTNEED) = 0
            2 1.4 exit(0) = ?
            2 1.5 +++ exited with 0 +++
            1 1.6 munmap(0x7f0000000000, 8192) = 0

            """);
        var t = Replays.Only(r);
        Assert.Equal((1, 2), (t.Processes, t.Threads));
        Assert.Equal((3L, 0L), (t.Matched, t.Differed));
    }

    [Fact]
    public void Execve_CountsItsThreadOncePerProgram()
    {
        using var r = Replays.Text($$"""
            1 1.0 execve("/bin/prog", ["prog"], 0x7ffe /* 1 vars */) = 0
            1 1.1 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0} => {parent_tid=[2]}, 88) = 2
            2 1.2 exit(0) = ?
            2 1.3 +++ exited with 0 +++
            1 1.4 execve("/bin/prog", ["prog", "again"], 0x7ffe /* 1 vars */) = 0
            1 1.5 execve("/bin/other", ["other"], 0x7ffe /* 1 vars */) = 0

            """);
        var prog = Assert.Single(r.Programs, p => p.Name == "prog");
        var other = Assert.Single(r.Programs, p => p.Name == "other");
        Assert.Equal((1, 2), (prog.Processes, prog.Threads));
        Assert.Equal((1, 1), (other.Processes, other.Threads));
    }

    [Fact]
    public void Vfork_ChildBorrowsThenExecsIntoItsOwnProcess()
    {
        using var r = Replays.Text($$"""
            1 1.0 execve("/bin/sh", ["sh"], NULL) = 0
            1 1.1 mmap(NULL, 8192, {{Anon}}) = 0x7f0000000000
            1 1.2 vfork( <unfinished ...>
            2 1.3 execve("/bin/true", ["true"], NULL) = 0
            2 1.4 madvise(0x7f0000000000, 8192, MADV_DONTNEED) = -1 ENOMEM (Cannot allocate memory)
            1 1.5 <... vfork resumed>) = 2
            1 1.6 madvise(0x7f0000000000, 8192, MADV_DONTNEED) = 0

            """);
        Assert.Equal(["sh", "true"], r.Programs.Select(p => p.Name));
        Assert.All(r.Programs, p => Assert.Equal(0, p.Differed));
        Assert.Equal(3, r.Programs.Sum(p => p.Matched));
    }

    [Fact]
    public void ExecveFromAThread_ReplacesTheAddressSpace()
    {
        using var r = Replays.Text($$"""
            10 1.0 mmap(NULL, 8192, {{Anon}}) = 0x7f0000000000
            10 1.1 clone3({flags=CLONE_VM|CLONE_THREAD|CLONE_SIGHAND, exit_signal=0} => {parent_tid=[11]}, 88) = 11
            11 1.2 execve("/bin/new", ["new"], NULL <pid changed to 10 ...>
            10 1.3 +++ superseded by execve in pid 11 +++
            10 1.4 <... execve resumed>) = 0
            10 1.5 madvise(0x7f0000000000, 8192, MADV_DONTNEED) = -1 ENOMEM (Cannot allocate memory)

            """);
        var program = Assert.Single(r.Programs, p => p.Name == "new");
        Assert.Equal((1L, 0L), (program.Matched, program.Differed));
    }

    [Fact]
    public void BrkAndMremap_EmulatedFromTheLog()
    {
        using var r = Replays.Text($$"""
            1 1.0 brk(NULL) = 0x555555559000
            1 1.1 brk(0x55555557a000) = 0x55555557a000
            1 1.2 madvise(0x555555559000, 8192, MADV_DONTNEED) = 0
            1 1.3 brk(0x555555559000) = 0x555555559000
            1 1.4 madvise(0x555555559000, 8192, MADV_DONTNEED) = -1 ENOMEM (Cannot allocate memory)
            1 1.5 mmap(NULL, 16384, {{Anon}}) = 0x7f0000000000
            1 1.6 mremap(0x7f0000000000, 16384, 32768, MREMAP_MAYMOVE) = 0x7f0000100000
            1 1.7 madvise(0x7f0000000000, 4096, MADV_DONTNEED) = -1 ENOMEM (Cannot allocate memory)
            1 1.8 madvise(0x7f0000100000, 32768, MADV_DONTNEED) = 0
            1 1.9 mremap(0x7f0000100000, 32768, 8192, 0) = 0x7f0000100000
            1 2.0 madvise(0x7f0000102000, 4096, MADV_DONTNEED) = -1 ENOMEM (Cannot allocate memory)

            """);
        var t = Replays.Only(r);
        Assert.Equal(5, t.UnjudgedFor(Unjudged.Emulated));
        Assert.Equal((6L, 0L, 0L), (t.Matched, t.Differed, t.ImplicitMappings));
    }

    [Fact]
    public void SealedMemory_ErrorsNotJudgedNorRun()
    {
        using var r = Replays.Text($$"""
            1 1.0 mmap(NULL, 16384, {{Anon}}) = 0x7f0000000000
            1 1.1 syscall_0x1ce(0x7f0000000000, 0x4000, 0, 0xffffffff, 0, 0) = 0
            1 1.2 munmap(0x7f0000000000, 16384) = -1 EPERM (Operation not permitted)
            1 1.3 madvise(0x7f0000000000, 16384, MADV_COLD) = 0

            """);
        var t = Replays.Only(r);
        Assert.Equal(2, t.UnjudgedFor(Unjudged.NotSimulated));
        Assert.Equal((2L, 0L), (t.Matched, t.Differed));
    }

    [Fact]
    public void Pidfds_SelfChildAndGone()
    {
        using var r = Replays.Text($$"""
            1 1.0 mmap(NULL, 16384, {{Anon}}) = 0x7f0000000000
            1 1.1 pidfd_open(1, 0) = 3
            1 1.2 process_madvise(3, [{iov_base=0x7f0000000000, iov_len=4096}, {iov_base=0x7f0000002000, iov_len=4096}], 2, MADV_DONTNEED, 0) = 8192
            1 1.3 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 2
            1 1.4 pidfd_open(2, 0) = 6
            1 1.5 process_madvise(6, [{iov_base=0x7f0000000000, iov_len=4096}], 1, MADV_COLD, 0) = 4096
            1 1.6 process_madvise(6, [{iov_base=0x7f0000000000, iov_len=4096}], 1, MADV_DONTNEED, 0) = -1 EINVAL (Invalid argument)
            2 1.7 +++ killed by SIGKILL +++
            1 1.8 process_madvise(6, [{iov_base=0x7f0000000000, iov_len=4096}], 1, MADV_COLD, 0) = -1 ESRCH (No such process)
            1 1.9 process_madvise(999, [{iov_base=0x7f0000000000, iov_len=4096}], 1, MADV_COLD, 0) = -1 EBADF (Bad file descriptor)
            1 2.0 pidfd_open(4194303, 0) = -1 ESRCH (No such process)
            1 2.1 pidfd_open(4194302, 0) = 7

            """);
        var t = Replays.Only(r);
        Assert.Equal((9L, 0L), (t.Matched, t.Differed));
        Assert.Equal(1, t.UnjudgedFor(Unjudged.Descriptor));
    }

    [Fact]
    public void TruncatedVector_JudgedOnlyWhenRejectedBeforeItsEntries()
    {
        var entries = string.Join(", ", Enumerable.Range(0, 32).Select(i => $"{{iov_base=0x{0x7f0000000000 + (i * 0x1000):x}, iov_len=4096}}"));
        using var r = Replays.Text($$"""
            1 1.0 mmap(NULL, 4194304, {{Anon}}) = 0x7f0000000000
            1 1.1 process_madvise(-10001, [{{entries}}, ...], 1024, MADV_COLD, 0) = 4194304
            1 1.2 process_madvise(-10001, [{{entries}}, ...], 2000, MADV_COLD, 0) = -1 EINVAL (Invalid argument)

            """);
        var t = Replays.Only(r);
        Assert.Equal(1, t.UnjudgedFor(Unjudged.TruncatedVector));
        Assert.Equal((2L, 0L), (t.Matched, t.Differed));
    }

    [Fact]
    public void MemoryBound_PopulateBeyondItSkipped()
    {
        using var r = Replays.Text($$"""
            1 1.0 mmap(NULL, 67108864, {{Anon}}) = 0x7f0000000000
            1 1.1 madvise(0x7f0000000000, 67108864, MADV_POPULATE_WRITE) = 0

            """, new ReplayOptions { MaxResidentBytes = 16UL << 20 });
        var t = Replays.Only(r);
        Assert.Equal(1, t.UnjudgedFor(Unjudged.MemoryBound));
        Assert.True(r.Kernel.Memory.FramesInUse < 4096);
    }

    [Fact]
    public void Touch_MakesZapsShootDownTlbs()
    {
        const string log = "1 1.0 mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n1 1.1 madvise(0x7f0000000000, 65536, MADV_DONTNEED) = 0\n";
        using var touched = Replays.Text(log);
        using var untouched = Replays.Text(log, new ReplayOptions { Touch = false });
        Assert.Equal(16, Replays.Only(touched).TouchedPages);
        Assert.True(Replays.Only(touched).Advice.TlbFlushes > 0);
        Assert.Equal(0, Replays.Only(untouched).Advice.TlbFlushes);
        Assert.Equal(2, Replays.Only(untouched).Matched);
    }

    [Fact]
    public void MapsFile_SeedsTheFirstProcess()
    {
        var maps = Madvise.Host.ProcMaps.Parse(new StringReader("""
            555555554000-555555556000 r--p 00000000 fe:00 42                         /usr/bin/prog
            555555556000-555555558000 rw-p 00000000 00:00 0                          [heap]
            7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]
            ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]

            """), smaps: false);
        using var r = Replays.Text("""
            5 1.0 madvise(0x555555554000, 8192, MADV_WILLNEED) = 0
            5 1.1 brk(0x55555555a000) = 0x55555555a000
            5 1.2 madvise(0x555555556000, 16384, MADV_DONTNEED) = 0
            5 1.3 madvise(0x7ffffffde000, 4096, MADV_DONTNEED) = 0

            """, new ReplayOptions { Maps = maps });
        var t = Replays.Only(r);
        Assert.Equal("prog", t.Name);
        Assert.Equal(3, t.SeededMappings);
        Assert.Equal((3L, 0L, 0L), (t.Matched, t.Differed, t.ImplicitMappings));
    }
}
