using Madvise.Host.Tests.Shared;
using Madvise.Abi;
using Madvise.Scenarios;
using Madvise.Scenarios.Host;
using static Madvise.Host.Tests.Shared.ScriptContext;

namespace Madvise.Host.Tests.Target;

/// <summary>
/// The host target refuses steps that would damage memory the scenario did not map, and lets
/// through those that only touch scenario memory or unmapped space.
/// </summary>
public sealed unsafe class MemoryGuardTests : IDisposable
{
    /// <summary>PROT_READ | PROT_WRITE.</summary>
    private const int RW = Prot.PROT_READ | Prot.PROT_WRITE;
    /// <summary>MAP_PRIVATE | MAP_ANONYMOUS.</summary>
    private const int PrivateAnon = MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS;

    /// <summary>Memory this test maps itself, behind the target's back: foreign to the scenario.</summary>
    private readonly nint _foreign;

    /// <summary>The target under test, fresh for each test.</summary>
    private readonly HostScenarioTarget _target = new();

    public MemoryGuardTests()
    {
        // Eight pages, the upper four unmapped again: a hole for the scenario just above, where
        // no mapping of the runtime's own threads can land (QuietAddressSpace says why).
        _foreign = QuietAddressSpace.Map((nuint)(8 * P), RW, PrivateAnon);
        HostMemory.Munmap(_foreign + (nint)(4 * P), (nuint)(4 * P));
        new Span<byte>((void*)_foreign, (int)(4 * P)).Fill(0x5a);
    }

    private ulong Foreign => (ulong)_foreign;

    private ITargetTask Self => _target.Self;

    public void Dispose()
    {
        _target.Dispose();
        HostMemory.Munmap(_foreign, (nuint)(4 * P));
    }

    [Fact]
    public void DestructiveStepsOnForeignMemoryAreRefusedAndLeaveItIntact()
    {
        AssertRefused(Self.Munmap(Foreign, P), "munmap");
        AssertRefused(Self.Mprotect(Foreign, 4 * P, Prot.PROT_NONE), "mprotect");
        AssertRefused(Self.Madvise(Foreign, 4 * P, MemoryAdvice.MADV_DONTNEED), "madvise DONTNEED");
        AssertRefused(Self.Madvise(Foreign + P, P, MemoryAdvice.MADV_GUARD_INSTALL), "madvise GUARD_INSTALL");
        AssertRefused(Self.Madvise(Foreign, P, MemoryAdvice.MADV_DONTFORK), "madvise DONTFORK");
        AssertRefused(Self.Mlock(Foreign + 1, 1), "mlock");
        AssertRefused(Self.Munlock(Foreign, P), "munlock");
        AssertRefused(Self.Write(Foreign + 100, 1, 0), "write");
        AssertRefused(Self.Mmap(Foreign, P, RW, PrivateAnon | MapFlags.MAP_FIXED, null, 0, out _), "mmap fixed");

        var runs = new ByteRuns();
        Assert.Equal(0, Self.Read(Foreign, 4 * P, runs));
        Assert.Equal("5a*16384", runs.ToString());
        Assert.Equal(-1, new Span<byte>((void*)_foreign, (int)(4 * P)).IndexOfAnyExcept((byte)0x5a));
    }

    [ProcessMadviseFact]
    public void SelfTargetingPmadviseIsCheckedPerIovecAndRemoteSafeOnesPass()
    {
        Assert.Equal(0, Self.Mmap(0, 2 * P, RW, PrivateAnon, null, 0, out var mine));
        var both = new VectorArgument<ulong>.List([(mine, P), (Foreign, P)]);

        AssertRefused(Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), both, MemoryAdvice.MADV_DONTNEED, 0), "pmadvise DONTNEED");
        AssertRefused(Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Raw(PidfdConstants.PIDFD_SELF_THREAD_GROUP), both, MemoryAdvice.MADV_FREE, 0), "pmadvise FREE");
        AssertRefused(Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.Seq(Foreign, P, P, 2), MemoryAdvice.MADV_DONTNEED, 0), "pmadvise DONTNEED");
        Assert.Equal(0, Self.OpenPidfd(Self, out var own));
        AssertRefused(Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Named(own!), both, MemoryAdvice.MADV_DONTNEED, 0), "pmadvise DONTNEED");

        // Non-destructive behaviours, and iovecs the kernel rejects before the foreign one, pass.
        Assert.Equal(2 * (long)P, Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), both, MemoryAdvice.MADV_COLD, 0));
        Assert.Equal(2 * (long)P, Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), both, MemoryAdvice.MADV_PAGEOUT, 0));
        var unalignedFirst = new VectorArgument<ulong>.List([(mine + 1, P), (Foreign, P)]);
        Assert.Equal(-Errno.EINVAL, Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), unalignedFirst, MemoryAdvice.MADV_DONTNEED, 0));
        Assert.Equal(-Errno.EINVAL, Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), both, MemoryAdvice.MADV_DONTNEED, 1));
        Assert.Equal(-Errno.EINVAL, Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), both, (MemoryAdvice)999, 0));
        Assert.Equal(-Errno.EINVAL, Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.Seq(Foreign, P, 0, 1025), MemoryAdvice.MADV_DONTNEED, 0));
        Assert.Equal(-1, new Span<byte>((void*)_foreign, (int)(4 * P)).IndexOfAnyExcept((byte)0x5a));
    }

    [ProcessMadviseFact]
    public void PmadviseIsJudgedOnWhatTheKernelImports()
    {
        // G: a little over MAX_RW_COUNT of scenario memory, and foreign memory right after it.
        var size = IoVec.MAX_RW_COUNT + (2 * P);
        Assert.Equal(0, Self.Mmap(0, size, Prot.PROT_NONE, PrivateAnon | MapFlags.MAP_NORESERVE, null, 0, out var g));
        var after = HostMemory.Mmap((nint)(g + size), (nuint)P, RW, PrivateAnon | MapFlags.MAP_FIXED_NOREPLACE);
        try
        {
            Assert.Equal(g + size, (ulong)after);
            *(byte*)after = 0x77;

            // One iovec is capped to MAX_RW_COUNT before anything: it stays inside G.
            Assert.Equal((long)IoVec.MAX_RW_COUNT, Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.List([(g, 1UL << 40)]), MemoryAdvice.MADV_DONTNEED, 0));

            // Several: the running total is capped, so the second (which as written would run past G
            // into the foreign page) covers only its first two pages.
            Assert.Equal((long)IoVec.MAX_RW_COUNT, Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.List([(g, IoVec.MAX_RW_COUNT - (2 * P)), (g + (4 * P), size)]), MemoryAdvice.MADV_DONTNEED, 0));

            // Without the cap the range would reach the foreign page.
            AssertRefused(Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.List([(g + size - P, 2 * P)]), MemoryAdvice.MADV_DONTNEED, 0), "pmadvise DONTNEED");

            // A negative length anywhere is EINVAL before any iovec is advised.
            Assert.Equal(-Errno.EINVAL, Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.List([(g + size, P), (g, 0x8000_0000_0000_0000)]), MemoryAdvice.MADV_DONTNEED, 0));

            // vlen and flags are 32-bit in the kernel: 2^32 + 1 entries is one entry, flags 2^32 is 0.
            AssertRefused(Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.Seq(g + size, P, 0, (1UL << 32) + 1), MemoryAdvice.MADV_DONTNEED, 0), "pmadvise DONTNEED");
            AssertRefused(Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.List([(g + size, P)]), MemoryAdvice.MADV_DONTNEED, 1UL << 32), "pmadvise DONTNEED");
            Assert.Equal((long)P, Self.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.Seq(g, P, 0, (1UL << 32) + 1), MemoryAdvice.MADV_DONTNEED, 0));
            Assert.Equal(0x77, *(byte*)after);
        }
        finally
        {
            HostMemory.Munmap(after, (nuint)P);
        }
    }

    [Fact]
    public void CallsTheKernelRejectsBeforeActingStillGetTheKernelsAnswer()
    {
        Assert.Equal(-Errno.EINVAL, Self.Madvise(Foreign + 1, P, MemoryAdvice.MADV_DONTNEED));
        Assert.Equal(-Errno.EINVAL, Self.Madvise(Foreign, P, (MemoryAdvice)999));
        Assert.Equal(-Errno.EINVAL, Self.Madvise(Foreign, ulong.MaxValue, MemoryAdvice.MADV_DONTNEED));
        Assert.Equal(0, Self.Madvise(Foreign, 0, MemoryAdvice.MADV_DONTNEED));
        Assert.Equal(-Errno.EINVAL, Self.Munmap(Foreign + 1, P));
        Assert.Equal(-Errno.EINVAL, Self.Munmap(Foreign, 0));
        Assert.Equal(-Errno.EINVAL, Self.Mprotect(Foreign + 1, P, Prot.PROT_NONE));
        Assert.Equal(0, Self.Mprotect(Foreign, 0, Prot.PROT_NONE));
        Assert.Equal(0, Self.Write(Foreign, 0, 1));
        Assert.Equal(0, Self.Madvise(Foreign, 4 * P, MemoryAdvice.MADV_COLD));
        Assert.Equal(0, Self.Madvise(Foreign, 4 * P, MemoryAdvice.MADV_WILLNEED));
        Assert.Equal(-Errno.EEXIST, Self.Mmap(Foreign, P, RW, PrivateAnon | MapFlags.MAP_FIXED_NOREPLACE, null, 0, out _));
        Assert.Equal(-1, new Span<byte>((void*)_foreign, (int)(4 * P)).IndexOfAnyExcept((byte)0x5a));
    }

    [Fact]
    public void ScenarioMemoryAndUnmappedSpacePassThrough()
    {
        // A scenario mapping directly above the foreign one, and a hole above that.
        Assert.Equal(0, Self.Mmap(Foreign + (4 * P), 2 * P, RW, PrivateAnon | MapFlags.MAP_FIXED_NOREPLACE, null, 0, out var mine));
        Assert.Equal(Foreign + (4 * P), mine);
        Assert.Equal(0, Self.Write(mine, 2 * P, 1));
        Assert.Equal(0, Self.Munmap(mine + P, P));

        Assert.Equal(0, Self.Madvise(mine, P, MemoryAdvice.MADV_DONTNEED));
        Assert.Equal(-Errno.ENOMEM, Self.Madvise(mine, 2 * P, MemoryAdvice.MADV_DONTNEED));
        Assert.Equal(0, Self.Munmap(mine + P, 3 * P));
        Assert.Equal(0, Self.Mprotect(mine, P, Prot.PROT_READ));
        Assert.Equal(0, Self.Mmap(mine + P, P, RW, PrivateAnon | MapFlags.MAP_FIXED, null, 0, out var again));
        Assert.Equal(mine + P, again);

        // A range that straddles the boundary into foreign memory is refused.
        AssertRefused(Self.Munmap(mine - P, 2 * P), "munmap");
        AssertRefused(Self.Write(mine - 1, 2, 0), "write");
        Assert.Equal(0, Self.Munmap(mine, 2 * P));
        Assert.Equal(-1, new Span<byte>((void*)_foreign, (int)(4 * P)).IndexOfAnyExcept((byte)0x5a));
    }

    [Fact]
    public void DisposeUnmapsTheScenariosMemory()
    {
        using var target = new HostScenarioTarget();
        Assert.Equal(0, target.Self.Mmap(0, 3 * P, RW, PrivateAnon, null, 0, out var a));
        Assert.Equal(0, target.Self.Mmap(0, P, Prot.PROT_NONE, PrivateAnon, null, 0, out var b));
        target.Dispose();
        Assert.DoesNotContain(ProcMaps.ReadMaps(), m => m.Overlaps(a, a + (3 * P)) || m.Overlaps(b, b + P));
    }

    [AgentFact]
    public void AgentsGuardTheirOwnRuntimeMemory()
    {
        Assert.NotNull(_target.CreateTask("B", out _));
        var b = _target.CreateTask("C", out _)!;
        var mappings = new List<MappingInfo>();
        Assert.Equal(0, b.Vmas(0, PageSize.TASK_SIZE, mappings));
        var runtime = mappings.Find(m => m.Perms == "rw-p")!;

        AssertRefused(b.Munmap(runtime.Start, P), "munmap");
        AssertRefused(b.Write(runtime.Start, 8, 0), "write");
        AssertRefused(b.ProcessMadvise(new PidfdArgument<ITargetPidfd>.Self(), new VectorArgument<ulong>.List([(runtime.Start, P)]), MemoryAdvice.MADV_DONTNEED, 0), "pmadvise DONTNEED");
        Assert.Equal(0, b.Madvise(runtime.Start, P, MemoryAdvice.MADV_COLD));

        // The agent still works.
        Assert.Equal(0, b.Mmap(0, P, RW, PrivateAnon, null, 0, out var x));
        Assert.Equal(0, b.Write(x, P, 9));
    }

    [Fact]
    public void SetUidAndExitOfSelfAreSkipped()
    {
        Assert.Equal(TargetResult.NotSupported, Self.SetUid(1000));
        Assert.Equal("setuid self", _target.LastSkipReason);
        Assert.Equal(TargetResult.NotSupported, Self.Exit());
        Assert.Equal("exit self", _target.LastSkipReason);
        Assert.False(Self.HasExited);
    }

    private void AssertRefused(long result, string operation)
    {
        Assert.Equal(TargetResult.NotSupported, result);
        Assert.NotNull(_target.LastSkipReason);
        Assert.StartsWith(operation + ":", _target.LastSkipReason, StringComparison.Ordinal);
        Assert.Contains("memory the scenario did not map", _target.LastSkipReason, StringComparison.Ordinal);
    }
}
