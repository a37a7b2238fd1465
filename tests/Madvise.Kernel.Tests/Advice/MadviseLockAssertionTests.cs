using Madvise.Kernel.Advice;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Advice;

/// <summary>The per-VMA dispatch's assertion of the lock mode it runs under (MadviseCore.AssertLockHeld).</summary>
public sealed class MadviseLockAssertionTests
{
    [Fact]
    public void EachModeAcceptsItsLockAndRefusesTheAbsenceOfIt()
    {
        using var mm = new MmBuilder();
        var a = mm.Map(0, 4);
        var b = MadviseBehavior.Rent(mm.Mm, mm.Task, MADV_DONTNEED);
        try
        {
            b.LockMode = MadviseLockMode.MmapRead;
            Assert.Throws<InvalidOperationException>(() => MadviseCore.AssertLockHeld(b));
            var read = mm.Mm.ReadLock();
            MadviseCore.AssertLockHeld(b);

            b.LockMode = MadviseLockMode.MmapWrite;
            Assert.Throws<InvalidOperationException>(() => MadviseCore.AssertLockHeld(b));
            mm.Mm.ReadUnlock(read);
            var write = mm.Mm.WriteLock();
            MadviseCore.AssertLockHeld(b);
            b.LockMode = MadviseLockMode.MmapRead;
            MadviseCore.AssertLockHeld(b);
            mm.Mm.WriteUnlock(write);

            b.LockMode = MadviseLockMode.VmaRead;
            b.Vma = mm.Mm.Vmas.Find(a);
            Assert.Throws<InvalidOperationException>(() => MadviseCore.AssertLockHeld(b));
            Assert.True(b.Vma!.Lock.TryRead());
            MadviseCore.AssertLockHeld(b);
            b.Vma.Lock.EndRead();

            b.LockMode = MadviseLockMode.None;
            Assert.Throws<InvalidOperationException>(() => MadviseCore.AssertLockHeld(b));
        }
        finally
        {
            b.Vma = null;
            b.LockMode = MadviseLockMode.None;
            MadviseBehavior.Return(b);
        }
    }
}
