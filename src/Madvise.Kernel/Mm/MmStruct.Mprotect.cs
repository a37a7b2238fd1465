using Madvise.Abi;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: mm/mprotect.c do_mprotect_pkey(), mprotect_fixup(), change_protection().
public sealed partial class MmStruct
{
    /// <summary>
    /// The VMA walk of mprotect(2) after its argument checks, over page-aligned [start, end).
    /// Precondition: the mmap write lock is held.
    /// </summary>
    /// <returns>0, -ENOMEM for a hole (VMAs before it keep their new protection), -EACCES, or -ENOMEM from a split.</returns>
    internal long MprotectLocked(ulong start, ulong end, int prot)
    {
        MmapLock.AssertWriteLocked();
        var vma = Vmas.FindIntersection(start, end);
        if (vma is null || vma.Start > start)
        {
            return -Errno.ENOMEM;
        }

        var gather = TlbGather.Rent(this);
        long error = 0;

        // Linux's tmp: where the next VMA must start (the end of the VMA just changed, which a
        // merge may have extended), so that a gap between VMAs is detected.
        var cursor = vma.Start;
        try
        {
            while (vma is not null && vma.Start < end)
            {
                if (vma.Start != cursor)
                {
                    error = -Errno.ENOMEM;
                    break;
                }

                var newFlags = ProtToVmFlags(prot) | (vma.Flags & ~(VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_EXEC));

                // Each VM_x needs its VM_MAYx (a read-only file opened O_RDONLY cannot become writable).
                var may = (VmFlags)((ulong)newFlags >> 4);
                if ((newFlags & ~may & (VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_EXEC)) != 0)
                {
                    error = -Errno.EACCES;
                    break;
                }

                var from = Math.Max(start, vma.Start);
                var stop = Math.Min(vma.End, end);
                error = MprotectFixup(vma, from, stop, newFlags, gather, out var result);
                if (error != 0)
                {
                    break;
                }

                cursor = result.End;
                vma = Vmas.NextAfter(cursor);
            }
        }
        finally
        {
            TlbGather.Return(gather);
        }

        if (error == 0 && cursor < end)
        {
            error = -Errno.ENOMEM;
        }

        return error;
    }

    /// <summary>mprotect_fixup(): applies new flags to [start, end) of one VMA.</summary>
    private long MprotectFixup(Vma vma, ulong start, ulong end, VmFlags newFlags, TlbGather gather, out Vma result)
    {
        var oldFlags = vma.Flags;
        result = vma;
        if ((newFlags & ~VmFlags.VM_GUARD_INSTALLED) == (oldFlags & ~VmFlags.VM_GUARD_INSTALLED))
        {
            return 0;
        }

        var pages = (end - start) >> PageSize.PAGE_SHIFT;
        if ((newFlags & VmFlags.VM_WRITE) != 0)
        {
            // A private mapping that becomes writable is charged now (it was not when read-only).
            if ((oldFlags & (VmFlags.VM_ACCOUNT | VmFlags.VM_WRITE | VmFlags.VM_HUGETLB | VmFlags.VM_SHARED | VmFlags.VM_NORESERVE)) == 0)
            {
                if (!VmEnoughMemory(pages))
                {
                    return -Errno.ENOMEM;
                }

                newFlags |= VmFlags.VM_ACCOUNT;
            }
        }
        else if ((oldFlags & VmFlags.VM_ACCOUNT) != 0 && vma.IsAnonymous && vma.AnonVma is null)
        {
            // Never-touched anonymous memory that stops being writable gives its charge back.
            newFlags &= ~VmFlags.VM_ACCOUNT;
        }

        var modified = VmaModifyFlags(vma, start, end, newFlags, out var error);
        if (modified is null)
        {
            return error;
        }

        result = modified;
        ChangeProtection(start, end, newFlags, gather);

        // A private VM_LOCKED VMA becoming writable is populated with write faults (COW now, not later).
        if ((oldFlags & (VmFlags.VM_WRITE | VmFlags.VM_SHARED | VmFlags.VM_LOCKED)) == VmFlags.VM_LOCKED && (newFlags & VmFlags.VM_WRITE) != 0)
        {
            PopulateVmaPageRange(modified, start, end);
        }

        return 0;
    }

    /// <summary>change_protection(): write-protects present PTEs when write permission goes, and flushes the TLBs of the range.</summary>
    private void ChangeProtection(ulong start, ulong end, VmFlags newFlags, TlbGather gather)
    {
        var removeWrite = (newFlags & VmFlags.VM_WRITE) == 0;
        for (var addr = start; addr < end;)
        {
            var stop = PageTable.PmdAddrEnd(addr, end);
            var table = PageTable.Lookup(addr);
            if (table is not null && removeWrite)
            {
                using (table.Ptl.EnterScope())
                {
                    // change_huge_pmd(): a huge entry stays huge (the VMA's split has already
                    // split any entry a new boundary cuts).
                    var pmd = table.GetHuge();
                    if (pmd.IsPresent)
                    {
                        if (stop - addr != PageTable.PteTableSpan)
                        {
                            throw new InvalidOperationException($"huge entry {pmd} at {addr:x} crosses the edge of an mprotect range");
                        }

                        if (pmd.Writable)
                        {
                            table.SetHuge(pmd.WithWritable(false));
                        }
                    }

                    for (var a = pmd.IsPresent ? stop : addr; a < stop; a += PageSize.PAGE_SIZE)
                    {
                        var index = PageTable.PteIndex(a);
                        var pte = table.Get(index);
                        if (pte.IsPresent && pte.Writable)
                        {
                            table.Set(index, pte.WithWritable(false));
                        }
                    }
                }
            }

            addr = stop;
        }

        // Cached translations may allow what the new protection forbids.
        gather.AddRange(start, end - start);
    }
}
