using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// Translation caching and shootdown (SimCpu, CpuMask, TlbGather): an access that hits the TLB
/// skips the page table, so every change that takes a page or a permission away must reach
/// every CPU that may cache it before the frame is reused. Each test makes a CPU cache a
/// translation, changes the mapping, and checks that the next access faults instead of using
/// the stale entry.
/// </summary>
public sealed class TlbTests
{
    [Fact]
    public void ASecondAccessHitsTheTlbWithoutFaulting()
    {
        using var b = new MmBuilder();
        b.Map(0, 1);
        b.Write(0, 1, 0x11);
        var faults = b.Kernel.Stats.PageFaults;
        Assert.Equal("11", b.Pattern(0, 1));
        b.Write(0, 1, 0x12);
        Assert.Equal(faults, b.Kernel.Stats.PageFaults);
        Assert.True(b.Mm.CpuMask.Contains(SimCpu.Current.Id));

        b.AssertInvariants();
    }

    [Fact]
    public void AfterDontNeedTheNextAccessFaultsAndSeesZeros()
    {
        using var b = new MmBuilder();
        b.Map(0, 1);
        b.Write(0, 1, 0x11);
        var flushes = b.Kernel.Stats.TlbFlushes;
        Assert.Equal(0, b.Advise(0, 1, MADV_DONTNEED));
        Assert.True(b.Kernel.Stats.TlbFlushes > flushes);

        var faults = b.Kernel.Stats.PageFaults;
        Assert.Equal("00", b.Pattern(0, 1));
        Assert.Equal(faults + 1, b.Kernel.Stats.PageFaults);
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void AfterMunmapTheCachedTranslationIsGone()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Write(0, 2, 0x11);
        b.Unmap(0, 2);
        Assert.Equal(0, b.TryWrite(0, 1, 0x22));
        Assert.Null(b.TryRead(0, 1));

        // A new mapping at the same address starts empty.
        b.Map(0, 2);
        Assert.Equal("00 00", b.Pattern(0, 2));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void MprotectToReadOnlyRevokesACachedWritableTranslation()
    {
        using var b = new MmBuilder();
        b.Map(0, 1);
        b.Write(0, 1, 0x11);
        Assert.Equal(0, b.Protect(0, 1, "r"));
        Assert.Equal(0, b.TryWrite(0, 1, 0x22));
        Assert.Equal("11", b.Pattern(0, 1));
        Assert.Equal(0, b.Protect(0, 1, "none"));
        Assert.Null(b.TryRead(0, 1));
        b.AssertInvariants();
    }

    [Fact]
    public void ForkWriteProtectsTheParentsCachedTranslation()
    {
        using var b = new MmBuilder();
        b.Map(0, 1);
        b.Write(0, 1, 0x11);
        var child = b.Fork();
        var cow = b.Kernel.Stats.CowFaults;

        // Without the shootdown at fork this store would hit the stale writable entry and land
        // in the frame the child shares.
        b.Write(0, 1, 0x22);
        Assert.Equal(cow + 1, b.Kernel.Stats.CowFaults);
        Assert.Equal("22", b.Pattern(0, 1));
        Assert.Equal("11", b.Pattern(0, 1, child));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void TranslationsAreTaggedByAddressSpace()
    {
        using var b = new MmBuilder();
        var other = b.CreateProcess();
        b.Map(0, 1);
        b.Map(0, 1, task: other);
        b.Write(0, 1, 0xaa);
        b.Write(0, 1, 0xbb, other);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("aa", b.Pattern(0, 1));
            Assert.Equal("bb", b.Pattern(0, 1, other));
        }

        b.AssertInvariants();
    }

    [Fact]
    public void AZapReachesAnotherCpuBeforeTheFrameIsReused()
    {
        using var b = new MmBuilder();
        using var remote = new CpuThread();
        b.Map(0, 1);
        b.Map(8, 1);
        b.Write(0, 1, 0x11);
        var pfn = b.PteAt(0).Pfn;

        // The other CPU caches the translation of page 0.
        Assert.Equal("11", remote.Run(() => b.Pattern(0, 1)));
        Assert.True(b.Mm.CpuMask.Contains(remote.Cpu.Id));
        var received = remote.Cpu.FlushesReceived;

        Assert.Equal(0, b.Advise(0, 1, MADV_DONTNEED));
        Assert.True(remote.Cpu.FlushesReceived > received, "the shootdown skipped a CPU in the mm's mask");

        // The freed frame is the allocator's next one: page 8 gets it and fills it with 0x99.
        b.Write(8, 1, 0x99);
        Assert.Equal(pfn, b.PteAt(8).Pfn);

        // A stale entry on the other CPU would now read 0x99 from page 0.
        Assert.Equal("00", remote.Run(() => b.Pattern(0, 1)));
        Assert.Equal("99", remote.Run(() => b.Pattern(8, 1)));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void TheGatherFreesFramesOnlyAfterTheFlush()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        var mm = b.Mm;
        Assert.Equal(4, b.DataFrames);
        var flushes = b.Kernel.Stats.TlbFlushes;

        var token = mm.WriteLock();
        try
        {
            var gather = TlbGather.Rent(mm);
            var vma = mm.Vmas.FindContaining(MmBuilder.Addr(0))!;
            Assert.Equal(4, ZapPageRange.Zap(mm, vma, vma.Start, vma.End, gather, ZapMode.Unmap));

            // The PTEs are gone but no CPU has been told yet: the frames must stay allocated.
            Assert.True(mm.PageTable.ReadPte(MmBuilder.Addr(0)).IsNone);
            Assert.Equal(4, b.DataFrames);
            Assert.Equal(flushes, b.Kernel.Stats.TlbFlushes);
            TlbGather.Return(gather);
        }
        finally
        {
            mm.WriteUnlock(token);
        }

        Assert.Equal(0, b.DataFrames);
        Assert.Equal(flushes + 1, b.Kernel.Stats.TlbFlushes);
        b.AssertInvariants();
    }

    [Fact]
    public void AFullGatherFlushesOnItsOwn()
    {
        using var b = new MmBuilder();
        const int pages = TlbGather.BatchCapacity + 92;
        b.Map(0, pages);
        b.Write(0, pages, 0x11);
        var mm = b.Mm;
        var token = mm.WriteLock();
        try
        {
            var gather = TlbGather.Rent(mm);
            var vma = mm.Vmas.FindContaining(MmBuilder.Addr(0))!;
            ZapPageRange.Zap(mm, vma, vma.Start, vma.End, gather, ZapMode.Unmap);
            Assert.Equal(pages - TlbGather.BatchCapacity, b.DataFrames);
            TlbGather.Return(gather);
        }
        finally
        {
            mm.WriteUnlock(token);
        }

        Assert.Equal(0, b.DataFrames);

        b.AssertInvariants();
    }

    [Fact]
    public void AGatherCannotBeBegunTwice()
    {
        using var b = new MmBuilder();
        var gather = TlbGather.Rent(b.Mm);
        try
        {
            Assert.True(gather.IsActive);
            Assert.Throws<InvalidOperationException>(() => gather.Begin(b.Mm));
        }
        finally
        {
            TlbGather.Return(gather);
        }

        Assert.False(gather.IsActive);
        Assert.Throws<InvalidOperationException>(() => gather.Mm);

        b.AssertInvariants();
    }

    [Fact]
    public void CpuMaskGrowsAndKeepsEveryBit()
    {
        var mask = new CpuMask();
        int[] ids = [0, 5, 63, 64, 130, 1000];
        foreach (var id in ids)
        {
            mask.Add(id);
        }

        for (var id = 0; id <= 1001; id++)
        {
            Assert.Equal(ids.Contains(id), mask.Contains(id));
        }
    }

    [Fact]
    public void CpuMaskRemovesAndAnswersAnyBut()
    {
        var mask = new CpuMask();
        mask.Add(3);
        Assert.False(mask.AnyBut(3));
        mask.Add(200);
        Assert.True(mask.AnyBut(3));
        mask.Remove(200);
        Assert.False(mask.AnyBut(3));
        Assert.True(mask.Contains(3));
        Assert.False(mask.Contains(200));
    }

    [Fact]
    public void ALazyCpuIsSkipped_AndCatchesUpWhenItsThreadRunsAgain()
    {
        using var b = new MmBuilder();
        using var sibling = new CpuThread();
        b.Map(0, 1);
        b.Map(8, 1);
        b.Write(0, 1, 0x11);
        var pfn = b.PteAt(0).Pfn;

        // The sibling caches page 0, then its thread sleeps: the CPU idles, lazy, mm still loaded.
        Assert.Equal("11", sibling.Run(() => b.Pattern(0, 1)));
        sibling.Run(() =>
        {
            SimCpu.Current.EnterLazyTlb();
            return 0;
        });
        Assert.True(sibling.Cpu.IsLazy);
        Assert.Same(b.Mm, sibling.Cpu.LoadedMm);
        Assert.True(b.Mm.CpuMask.Contains(sibling.Cpu.Id), "a lazy CPU stays in the mask");
        var received = sibling.Cpu.RemoteFlushesReceived;
        var remote = b.Kernel.Stats.TlbRemoteFlushes;

        // The shootdown walks the mask, finds the sibling lazy and leaves it alone.
        Assert.Equal(0, b.Advise(0, 1, MADV_DONTNEED));
        Assert.Equal(received, sibling.Cpu.RemoteFlushesReceived);
        Assert.Equal(remote, b.Kernel.Stats.TlbRemoteFlushes);

        // The frame is reused; the sibling's stale entry must not be used when it wakes.
        b.Write(8, 1, 0x99);
        Assert.Equal(pfn, b.PteAt(8).Pfn);
        Assert.Equal("00", sibling.Run(() => b.Pattern(0, 1)));
        Assert.False(sibling.Cpu.IsLazy);
    }

    [Fact]
    public void ARunningSiblingIsInterruptedByEveryShootdown()
    {
        using var b = new MmBuilder();
        using var sibling = new CpuThread();
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        Assert.Equal("11", sibling.Run(() => b.Pattern(3, 1)));
        var received = sibling.Cpu.RemoteFlushesReceived;
        var remote = b.Kernel.Stats.TlbRemoteFlushes;
        for (var page = 0; page < 3; page++)
        {
            Assert.Equal(0, b.Advise(page, 1, MADV_DONTNEED));
        }

        Assert.Equal(received + 3, sibling.Cpu.RemoteFlushesReceived);
        Assert.Equal(remote + 3, b.Kernel.Stats.TlbRemoteFlushes);

        // Partial flushes (one page each, the generation one ahead each time): page 3 is still cached.
        var faults = b.Kernel.Stats.PageFaults;
        Assert.Equal("11", sibling.Run(() => b.Pattern(3, 1)));
        Assert.Equal(faults, b.Kernel.Stats.PageFaults);
    }

    [Fact]
    public void ACpuRunningAnotherMmIsNotInterrupted_AndFlushesWhenItComesBack()
    {
        using var b = new MmBuilder();
        using var other = new MmBuilder();
        using var cpu = new CpuThread();
        b.Map(0, 1);
        b.Map(8, 1);
        other.Map(0, 1);
        b.Write(0, 1, 0x11);
        var pfn = b.PteAt(0).Pfn;
        Assert.Equal("11", cpu.Run(() => b.Pattern(0, 1)));

        // Another process's thread runs on that CPU now; the CPU stays in b's mask.
        cpu.Run(() => other.Pattern(0, 1));
        Assert.Same(other.Mm, cpu.Cpu.LoadedMm);
        var received = cpu.Cpu.RemoteFlushesReceived;
        Assert.Equal(0, b.Advise(0, 1, MADV_DONTNEED));
        Assert.True(cpu.Cpu.RemoteFlushesReceived - received <= 1, "at most a trimming visit");

        b.Write(8, 1, 0x99);
        Assert.Equal(pfn, b.PteAt(8).Pfn);
        Assert.Equal("00", cpu.Run(() => b.Pattern(0, 1)));
    }

    [Fact]
    public void EachThreadIsItsOwnCpu()
    {
        using var other = new CpuThread();
        Assert.NotEqual(SimCpu.Current.Id, other.Cpu.Id);
        Assert.Same(SimCpu.Current, SimCpu.Current);
        Assert.Same(other.Cpu, other.Run(() => SimCpu.Current));
        Assert.Same(other.Cpu, SimCpu.ById(other.Cpu.Id));
        Assert.True(SimCpu.Count > other.Cpu.Id);
    }

    /// <summary>
    /// A TLB miss on an entry that already allows the access is served like the hardware walker
    /// serves it, without the mmap_lock; an entry whose accessed bit is clear (after COLD) is
    /// not: the walker never sets a bit, so the access goes to the slow path, which sets it
    /// under the PTE lock (taking the mmap_lock where the profile has no per-VMA locks).
    /// </summary>
    [Fact]
    public void ATlbMissOnAYoungEntryTakesNoMmapLock()
    {
        using var b = new MmBuilder(KernelConfig.Default with { Profile = KernelProfile.BatchedLock });
        b.Map(0, 2);
        b.Write(0, 2, 0x11);
        using var cpu = new CpuThread();
        var reads = b.Mm.MmapLock.GetStatistics().ReadAcquisitions;
        var faults = b.Kernel.Stats.PageFaults;
        Assert.Equal("11 11", cpu.Run(() => b.Pattern(0, 2)));
        Assert.Equal(reads, b.Mm.MmapLock.GetStatistics().ReadAcquisitions);
        Assert.Equal(faults, b.Kernel.Stats.PageFaults);

        // COLD clears the accessed bits; a CPU that has not cached the page must take the slow
        // path, which makes the entries young again.
        Assert.Equal(0, b.Advise(0, 2, MADV_COLD));
        Assert.False(b.PteAt(0).Young);
        using var third = new CpuThread();
        Assert.Equal("11 11", third.Run(() => b.Pattern(0, 2)));
        Assert.True(b.Mm.MmapLock.GetStatistics().ReadAcquisitions > reads);
        Assert.True(b.PteAt(0).Young);
        b.AssertInvariants();
    }
}
