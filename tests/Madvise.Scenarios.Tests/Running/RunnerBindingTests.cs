using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Running;

/// <summary>Name → address bindings and unbound names.</summary>
public class RunnerBindingTests
{
    private const ulong Base = 0x7f00_0000_0000;

    [Fact]
    public void MmapBindsNameAndAddressesResolveWithWrapping()
    {
        var target = new FakeTarget();
        var results = Scn.Results(
            target,
            "mmap A 8p rw private,anon",
            "madvise A+2p 2p DONTNEED",
            "munmap A-1p 1p",
            "mlock 0x1000 1p",
            "munlock -1 1",
            "mprotect A+-1 1 r");
        Assert.Equal(["ok", "0", "0", "0", "0", "0"], results);
        Assert.Equal(
            [
                "self mmap 0x0 0x8000 0x3 0x22 - 0x0",
                $"self madvise 0x{Base + 0x2000:x} 0x2000 4",
                $"self munmap 0x{Base - 0x1000:x} 0x1000",
                "self mlock 0x1000 0x1000",
                "self munlock 0xffffffffffffffff 0x1",
                $"self mprotect 0x{Base - 1:x} 0x1 0x1",
            ],
            target.Calls);
    }

    [Fact]
    public void AddressArithmeticWrapsAroundTheTopOfTheAddressSpace()
    {
        var target = new FakeTarget();
        Scn.Run(target, "mmap A 1p rw private,anon", "madvise A+0xffffffffffffffff 1p COLD", "madvise A-0x7f0000000001 1 COLD");
        Assert.Equal($"self madvise 0x{Base - 1:x} 0x1000 20", target.Calls[1]);
        Assert.Equal("self madvise 0xffffffffffffffff 0x1 20", target.Calls[2]);
    }

    [Fact]
    public void MmapAtAndFdArePassed()
    {
        var target = new FakeTarget();
        Scn.Run(target, "mmap A 4p rw private,anon", "file F 2p 0x61 memfd", "mmap B 1p r shared,fixed fd=F off=1p at=A+1p");
        Assert.Equal("self file F 0x2000 0x61 memfd", target.Calls[1]);
        Assert.Equal($"self mmap 0x{Base + 0x1000:x} 0x1000 0x1 0x11 F 0x1000", target.Calls[2]);
    }

    [Fact]
    public void FailedMmapLeavesNameUnbound()
    {
        var target = new FakeTarget { Script = c => c.Contains(" mmap ", StringComparison.Ordinal) && c.Contains("0x5000", StringComparison.Ordinal) ? -12 : null };
        var results = Scn.Results(
            target,
            "mmap A 5p rw private,anon",
            "madvise A 1p COLD",
            "pmadvise self [0 1p; A 1p] COLD",
            "pmadvise self seq(A, 1p, 1p, 3) COLD",
            "mmap B 1p rw private,anon at=A",
            "read A 0",
            "write A+1p 0 1",
            "vmas A 0",
            "smaps A 1p",
            "mincore A 1p");
        Assert.Equal(
            ["-ENOMEM", "SKIP(unbound A)", "SKIP(unbound A)", "SKIP(unbound A)", "SKIP(unbound A)", "SKIP(unbound A)", "SKIP(unbound A)", "SKIP(unbound A)", "SKIP(unbound A)", "SKIP(unbound A)"],
            results);
        Assert.Single(target.Calls);
    }

    [Fact]
    public void RebindingMmapThatFailsUnbindsTheEarlierAddress()
    {
        var target = new FakeTarget { Script = c => c.Contains("0x5000", StringComparison.Ordinal) ? -12 : null };
        var results = Scn.Results(target, "mmap A 1p rw private,anon", "mmap A 5p rw private,anon", "madvise A 1p COLD", "mmap A 2p rw private,anon", "madvise A 1p COLD");
        Assert.Equal(["ok", "-ENOMEM", "SKIP(unbound A)", "ok", "0"], results);
    }

    [Fact]
    public void SkippedMmapUnbindsToo()
    {
        var target = new FakeTarget { Script = c => c.Contains("0x5000", StringComparison.Ordinal) ? -12 : null };
        var results = Scn.Results(target, "mmap A 1p rw private,anon", "mmap B 5p rw private,anon", "mmap A 1p rw private,anon at=B", "read A 1p");
        Assert.Equal(["ok", "-ENOMEM", "SKIP(unbound B)", "SKIP(unbound A)"], results);
    }

    [Fact]
    public void FailedFileMakesMmapSkip_FailedPidfdMakesPmadviseEbadf()
    {
        var target = new FakeTarget { Script = c => c.Contains(" file ", StringComparison.Ordinal) ? -28 : c.Contains(" pidfd ", StringComparison.Ordinal) ? -3 : null };
        var results = Scn.Results(target, "file F 1p 0", "mmap A 1p r shared fd=F", "pidfd P self", "pmadvise P [] COLD");
        Assert.Equal(["-ENOSPC", "SKIP(unbound F)", "-ESRCH", "-EBADF"], results);
        Assert.Equal(2, target.Calls.Count);
    }

    [Fact]
    public void PidfdOfSkippedTaskMakesItsUsesSkip_UntilRebound()
    {
        var target = new FakeTarget();
        target.CreationFailures["C"] = "SKIP(fork: no libmadv-fork.so)";
        var results = Scn.Results(
            target,
            "fork C",
            "pidfd PC C",
            "pmadvise PC [] COLD",
            "pmadvise PC [0 1p] 999",
            "task B",
            "in B: pmadvise PC [] COLD",
            "pidfd PC B",
            "pmadvise PC [] COLD",
            "exit B",
            "pidfd PC B");
        const string skip = "SKIP(fork: no libmadv-fork.so)";
        Assert.Equal([skip, skip, skip, skip, "ok", skip, "ok", "0", "0", "ok"], results);
        // Only the rebound pidfd reaches the target: the skipped uses never ask it.
        Assert.Equal(["self fork", "task B", "self pidfd", "self pmadvise", "B exit", "self pidfd"], target.Calls.Select(c => string.Join(' ', c.Split(' ')[..2])));
    }

    [Fact]
    public void PidfdThatFailedAfterASkipPrintsEbadfAgain()
    {
        var target = new FakeTarget { Script = c => c.Contains(" pidfd ", StringComparison.Ordinal) ? -3 : null };
        target.CreationFailures["C"] = "SKIP(fork: no libmadv-fork.so)";
        var results = Scn.Results(target, "fork C", "task B", "pidfd P C", "pmadvise P [] COLD", "pidfd P B", "pmadvise P [] COLD");
        Assert.Equal(["SKIP(fork: no libmadv-fork.so)", "ok", "SKIP(fork: no libmadv-fork.so)", "SKIP(fork: no libmadv-fork.so)", "-ESRCH", "-EBADF"], results);
    }

    [Fact]
    public void BindingsAreGlobal_ANameBoundInOneTaskIsUsedByAnother()
    {
        var target = new FakeTarget();
        var results = Scn.Results(target, "task B", "in B: mmap X 2p rw private,anon", "pidfd PB B", "pmadvise PB [X 1p] PAGEOUT", "in B: madvise X 1p COLD");
        Assert.Equal(["ok", "ok", "ok", "0", "0"], results);
        Assert.Equal(
            ["task B", "B mmap 0x0 0x2000 0x3 0x22 - 0x0", "self pidfd B", $"self pmadvise pidfd:B@self [0x{Base:x} 0x1000] 21 0x0", $"B madvise 0x{Base:x} 0x1000 20"],
            target.Calls);
    }

    [Fact]
    public void PidfdArgumentsArePassedThrough()
    {
        var target = new FakeTarget();
        Scn.Run(
            target,
            "mmap A 1p rw private,anon",
            "pmadvise self [] COLD",
            "pmadvise PIDFD_SELF [A 1p] COLD",
            "pmadvise PIDFD_SELF_PROCESS [A 1p] COLD 3",
            "pmadvise -1 seq(A, 1p, 2p, 5000) 999 -1",
            "pmadvise 9999 badptr(1025) -1");
        Assert.Equal(
            [
                "self pmadvise self [] 20 0x0",
                $"self pmadvise -10000 [0x{Base:x} 0x1000] 20 0x0",
                $"self pmadvise -10001 [0x{Base:x} 0x1000] 20 0x3",
                $"self pmadvise -1 seq(0x{Base:x}, 0x1000, 0x2000, 5000) 999 0xffffffffffffffff",
                "self pmadvise 9999 badptr(1025) -1 0x0",
            ],
            target.Calls.Skip(1));
    }
}
