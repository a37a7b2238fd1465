using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Huge;

namespace Madvise.Kernel.Advice;

/// <summary>MADV_COLLAPSE (Linux: mm/khugepaged.c madvise_collapse()).</summary>
internal static class Collapse
{
    /// <summary>
    /// Eligibility first (-EINVAL: <see cref="MmStruct.ThpCollapseAllowed"/>), then every aligned
    /// 2 MiB block inside the range, in order: anonymous memory through
    /// <see cref="MmStruct.CollapseAnonBlock"/>, shmem through <see cref="MmStruct.CollapseFileBlock"/>.
    /// A block already huge counts as done; after a failure in the whitelist the next block is
    /// still tried, after any other the walk stops, and blocks already collapsed stay so. The
    /// result is 0 when the number of blocks done equals (hend - hstart) &gt;&gt; 21 computed
    /// unsigned — so a range strictly inside one block (hstart &gt; hend) is -EINVAL and one that
    /// only touches a boundary is 0 — else the errno of the last failure
    /// (madvise_collapse_errno(): -ENOMEM, -EAGAIN or -EINVAL).
    /// </summary>
    /// <remarks>Preconditions: mmap_lock held for reading; the range lies inside <c>b.Vma</c>.</remarks>
    public static long Run(MadviseBehavior b)
    {
        var vma = b.Vma!;
        var mm = b.Mm;
        if (!MmStruct.ThpCollapseAllowed(vma))
        {
            return -Errno.EINVAL;
        }

        // lru_add_drain_all(): references held by any CPU's folio batches would fail the
        // reference-count checks of the scan.
        mm.Kernel.LruBatches.DrainAll();

        var hstart = (b.Start + HugePage.Size - 1) & ~(HugePage.Size - 1);
        var hend = b.End & ~(HugePage.Size - 1);
        ulong done = 0;
        var lastFail = ScanResult.Fail;
        for (var addr = hstart; addr < hend; addr += HugePage.Size)
        {
            var result = vma.IsAnonymous ? mm.CollapseAnonBlock(vma, addr) : mm.CollapseFileBlock(vma, addr);
            if (result is ScanResult.Succeed or ScanResult.PmdMapped)
            {
                done++;
                continue;
            }

            lastFail = result;
            if (!result.ContinuesCollapse())
            {
                break;
            }
        }

        return done == unchecked(hend - hstart) >> 21 ? 0 : lastFail.Errno();
    }
}
