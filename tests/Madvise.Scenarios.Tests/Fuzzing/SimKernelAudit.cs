using Madvise.Kernel;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;

namespace Madvise.Scenarios.Tests.Fuzzing;

/// <summary>
/// What must hold in a simulated kernel after a scenario ran on it, whatever the scenario did:
/// no lock is still held, every address space's invariants hold, every frame's counters match
/// the page tables (<see cref="FrameAudit"/>), and every lock can still be taken — a fresh
/// process maps, stores, reclaims and unmaps, and every live address space is unmapped whole
/// (which takes each mmap_lock and VMA lock for writing), then the frames are audited again.
/// </summary>
/// <remarks>
/// Precondition: nothing runs on the kernel (the scenario has finished). A leaked lock that the
/// first checks cannot see (a VMA reader count, the zone or LRU lock) makes a later step wait
/// for ever: the caller runs <see cref="Check"/> under a timeout, and <see cref="Phase"/> says
/// where it stopped.
/// </remarks>
internal sealed class SimKernelAudit
{
    /// <summary>Pages the canary process maps.</summary>
    private const ulong CanaryPages = 16;

    private volatile string _phase = "not started";

    /// <summary>The check running now (for a report of a hang).</summary>
    public string Phase => _phase;

    /// <summary>Runs every check on <paramref name="kernel"/>.</summary>
    /// <returns>null when all hold, else what did not.</returns>
    public string? Check(SimulatedKernel kernel)
    {
        var tasks = kernel.Processes.Snapshot().Where(t => t.Mm is not null).ToArray();
        var live = tasks.Select(t => t.Mm!).Distinct().ToArray();
        try
        {
            _phase = "locks left held";
            foreach (var mm in live)
            {
                if (HeldLock(mm) is { } held)
                {
                    return held;
                }
            }

            _phase = "address space invariants";
            foreach (var mm in live)
            {
                mm.AssertInvariants();
            }

            _phase = "frame audit";
            FrameAudit.Assert(kernel, live);

            _phase = "canary process (map, store, reclaim, unmap)";
            Canary(kernel);

            _phase = "unmapping every address space whole";
            foreach (var task in tasks)
            {
                if (task.Mm is { } mm && Sys.Munmap(task, 0, mm.TaskSize) is var result && result != 0)
                {
                    return $"munmap of the whole address space of {task} returned {result}";
                }
            }

            _phase = "frame audit after unmapping";
            FrameAudit.Assert(kernel, live);
            _phase = "done";
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return $"{_phase}: {ex.Message}";
        }
    }

    /// <summary>The first lock of <paramref name="mm"/> still held, or null.</summary>
    private static string? HeldLock(MmStruct mm)
    {
        if (mm.MmapLock.IsWriteLocked || mm.MmapLock.ReaderCount != 0)
        {
            return $"an mmap_lock is still held after the run (write {mm.MmapLock.IsWriteLocked}, readers {mm.MmapLock.ReaderCount})";
        }

        string? held = null;
        mm.PageTable.ForEachTable((addr, table) => held ??= table.Ptl.IsHeld ? $"the page-table lock of the table at 0x{addr:x} is still held after the run" : null);
        return held;
    }

    /// <summary>A fresh process maps, stores into, pages out, reads back, drops and unmaps some memory, then exits; reclaim runs once.</summary>
    private static void Canary(SimulatedKernel kernel)
    {
        // The results are not checked: a scenario may have left the kernel out of memory or swap,
        // and then -ENOMEM or a killed canary is right. What matters is that every call returns.
        var canary = kernel.CreateProcess();
        var length = CanaryPages * PageSize.PAGE_SIZE;
        var addr = Sys.Mmap(canary, 0, length, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0);
        if (canary.Mm is { } mm && addr > 0)
        {
            mm.FillRemote((ulong)addr, length, 0x5a);
            Sys.Madvise(canary, (ulong)addr, length, MemoryAdvice.MADV_PAGEOUT);
            mm.ReadRemote((ulong)addr, new byte[PageSize.PAGE_SIZE]);
            Sys.Madvise(canary, (ulong)addr, length, MemoryAdvice.MADV_DONTNEED);
            Sys.Munmap(canary, (ulong)addr, length);
        }

        kernel.Reclaim();
        canary.Exit();
    }
}
