using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;

namespace Madvise.Measurement.Workloads;

/// <summary>
/// A sibling thread of the advising task on the simulated kernel. Its OS thread is its simulated
/// CPU: waking switches that CPU to the task's mm, blocking puts it in lazy TLB mode, touching
/// writes its own pages through that CPU's TLB.
/// </summary>
internal sealed class SimSibling : ISiblingBody
{
    /// <summary>Pages of the sibling's own memory.</summary>
    public const int OwnPages = 64;

    /// <summary>The task's address space.</summary>
    private readonly MmStruct _mm;

    /// <summary>Start of the sibling's own pages; 0 when it does not touch memory.</summary>
    private readonly ulong _pages;

    /// <summary>Maps the sibling's own pages when it is to touch them.</summary>
    public SimSibling(TaskStruct task, SiblingWork work)
    {
        _mm = task.Mm!;
        if (work == SiblingWork.Touch)
        {
            var r = Sys.Mmap(task, 0, OwnPages * PageSize.PAGE_SIZE, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0);
            _pages = r >= 0 ? (ulong)r : throw new InvalidOperationException("simulated mmap of a sibling's pages failed: " + Errno.Format(r));
        }
    }

    /// <inheritdoc/>
    public void Wake() => SimCpu.Current.SwitchMm(_mm);

    /// <inheritdoc/>
    public void Block() => SimCpu.Current.EnterLazyTlb();

    /// <inheritdoc/>
    public void Touch()
    {
        for (var i = 0; i < OwnPages; i++)
        {
            _mm.FillUser(_pages + ((ulong)i * PageSize.PAGE_SIZE), 1, (byte)i);
        }
    }
}
