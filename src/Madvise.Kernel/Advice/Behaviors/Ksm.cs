using Madvise.Abi;
using Madvise.Kernel.Mm.Vmas;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Advice;

/// <summary>MADV_MERGEABLE / MADV_UNMERGEABLE (Linux: mm/ksm.c ksm_madvise()). The model runs no ksmd: merging never happens, so unmerging has nothing to undo.</summary>
internal static class Ksm
{
    /// <summary>ksm_madvise(): computes the new flags; an incompatible VMA is silently left alone.</summary>
    /// <remarks>Preconditions: mmap_lock held for writing (MERGEABLE/UNMERGEABLE change VMA flags).</remarks>
    public static long Madvise(MadviseBehavior b, ref VmFlags flags)
    {
        var vma = b.Vma!;
        if (b.Behavior == MADV_MERGEABLE)
        {
            if ((vma.Flags & VmFlags.VM_MERGEABLE) != 0 || !Compatible(vma))
            {
                return 0;
            }

            flags |= VmFlags.VM_MERGEABLE;
            return 0;
        }

        flags &= ~VmFlags.VM_MERGEABLE;
        return 0;
    }

    /// <summary>vma_ksm_compatible(): private, not special, not hugetlb, not droppable.</summary>
    private static bool Compatible(Vma vma) =>
        (vma.Flags & (VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE | VmFlags.VM_PFNMAP | VmFlags.VM_IO
            | VmFlags.VM_DONTEXPAND | VmFlags.VM_HUGETLB | VmFlags.VM_DROPPABLE)) == 0;
}
