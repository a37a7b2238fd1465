using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;

namespace Madvise.Kernel.Tests.Robustness;

/// <summary>
/// The lock-order validator: the test suite runs under it, and a lock taken out of the order of
/// <see cref="LockClass"/> throws naming both acquisition sites.
/// </summary>
public sealed class LockdepTests : IDisposable
{
    private readonly PhysicalMemory _memory = new(4UL << 20);

    public void Dispose() => _memory.Dispose();

    [Fact]
    public void TheTestSuiteRunsUnderTheValidator() => Assert.True(Lockdep.Enabled);

    [Fact]
    public void TakingTheMmapLockUnderAPteLockNamesBothSites()
    {
        var table = new PageTable(_memory).LookupOrCreate(0x1000_0000_0000UL)!;
        var mmapLock = new MmapLock();
        var ex = Lockdep.ExpectViolation(() =>
        {
            using (table.Ptl.EnterScope())
            {
                mmapLock.AcquireRead();
            }
        });

        Assert.Matches(@"taking MmapLock at LockdepTests\.cs:\d+ while holding PteLock taken at LockdepTests\.cs:\d+", ex.Message);
        Assert.Equal(0, Lockdep.HeldByCurrentThread);
        Assert.Equal(0, mmapLock.ReaderCount);
    }

    [Fact]
    public void TwoPteLocksNestOnlyWhenTheInnerSaysSo()
    {
        var pt = new PageTable(_memory);
        var parent = pt.LookupOrCreate(0x1000_0000_0000UL)!;
        var child = pt.LookupOrCreate(0x1000_0020_0000UL)!;
        var ex = Lockdep.ExpectViolation(() =>
        {
            using (parent.Ptl.EnterScope())
            {
                using (child.Ptl.EnterScope())
                {
                }
            }
        });
        Assert.Contains("taking PteLock", ex.Message, StringComparison.Ordinal);

        using (parent.Ptl.EnterScope())
        {
            using (child.Ptl.EnterNestedScope())
            {
                Assert.Equal(2, Lockdep.HeldByCurrentThread);
            }
        }

        Assert.Equal(0, Lockdep.HeldByCurrentThread);
    }

    [Fact]
    public void ALeafHoldsNothingAndTheRightOrderPasses()
    {
        var lru = new Spinlock(LockClass.Lru);
        var zone = new Spinlock(LockClass.Zone);
        var ex = Lockdep.ExpectViolation(() =>
        {
            using (lru.EnterScope())
            {
                using (zone.EnterScope())
                {
                }
            }
        });
        Assert.Contains("taking Zone", ex.Message, StringComparison.Ordinal);

        // mmap_lock → page cache → PTE → leaf is the order.
        var mmapLock = new MmapLock();
        var cache = new KernelLock(LockClass.PageCache);
        var table = new PageTable(_memory).LookupOrCreate(0x1000_0000_0000UL)!;
        var token = mmapLock.AcquireWrite();
        using (cache.EnterScope())
        {
            using (table.Ptl.EnterScope())
            {
                using (lru.EnterScope())
                {
                    Assert.Equal(4, Lockdep.HeldByCurrentThread);
                }
            }
        }

        mmapLock.ReleaseWrite(token);
        Assert.Equal(0, Lockdep.HeldByCurrentThread);
    }
}
