using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Advice;

/// <summary>MADV_COLLAPSE (Linux: mm/khugepaged.c madvise_collapse()).</summary>
/// <remarks>
/// The model maps memory with 4 KiB pages only. A collapse of a 2 MiB block is modelled by its
/// observable effect: every page of the block becomes present (a huge page backs all of it),
/// existing data kept, missing pages zero-filled.
/// </remarks>
internal static class Collapse
{
    private const ulong HugeSize = 2UL << 20;

    /// <summary>
    /// Eligibility (-EINVAL otherwise): anonymous, not NOHUGEPAGE or special, already has an
    /// anon_vma, and large enough to contain an aligned 2 MiB block. Then every aligned block
    /// inside the range is collapsed; the result is 0 when the number of blocks collapsed equals
    /// (hend - hstart) &gt;&gt; 21 computed unsigned, so a range strictly inside one block
    /// (hstart &gt; hend) is -EINVAL and one that only touches a boundary is 0.
    /// </summary>
    /// <remarks>Preconditions: mmap_lock held for reading; the range lies inside <c>b.Vma</c>.</remarks>
    public static long Run(MadviseBehavior b)
    {
        var vma = b.Vma!;
        if (!Eligible(vma))
        {
            return -Errno.EINVAL;
        }

        var hstart = (b.Start + HugeSize - 1) & ~(HugeSize - 1);
        var hend = b.End & ~(HugeSize - 1);
        ulong collapsed = 0;
        for (var addr = hstart; addr < hend; addr += HugeSize)
        {
            if (CollapseBlock(b.Mm, vma, addr))
            {
                collapsed++;
            }
        }

        return collapsed == unchecked(hend - hstart) >> 21 ? 0 : -Errno.EINVAL;
    }

    private static bool Eligible(Vma vma)
    {
        if ((vma.Flags & (VmFlags.VM_NOHUGEPAGE | VmFlags.VM_SPECIAL | VmFlags.VM_HUGETLB)) != 0 || !vma.IsAnonymous || vma.AnonVma is null)
        {
            return false;
        }

        var first = (vma.Start + HugeSize - 1) & ~(HugeSize - 1);
        return first + HugeSize <= vma.End && first + HugeSize > first;
    }

    /// <summary>hpage_collapse_scan_pmd() + collapse_huge_page(): a block with a marker cannot be collapsed.</summary>
    private static bool CollapseBlock(MmStruct mm, Vma vma, ulong addr)
    {
        for (var a = addr; a < addr + HugeSize; a += PageSize.PAGE_SIZE)
        {
            var pte = mm.PageTable.ReadPte(a);
            if (pte.IsGuard || pte.IsPoison)
            {
                return false;
            }
        }

        return mm.GetUserPages(vma, addr, addr + HugeSize, write: (vma.Flags & VmFlags.VM_WRITE) != 0) == (long)(HugeSize >> PageSize.PAGE_SHIFT);
    }
}
