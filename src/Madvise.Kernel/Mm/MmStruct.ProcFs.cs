using Madvise.Abi;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

/// <summary>One line of /proc/PID/maps (Linux: fs/proc/task_mmu.c show_map_vma()).</summary>
/// <param name="Start">First address.</param>
/// <param name="End">First address after the mapping.</param>
/// <param name="Flags">The VMA's flags (the permission column is <see cref="VmFlagsExtensions.Perms"/>).</param>
/// <param name="PgOff">File offset in pages (Start &gt;&gt; 12 for private anonymous memory, as Linux keeps it).</param>
/// <param name="Inode">The mapped file's inode number; 0 for private anonymous memory. Shared anonymous
/// memory maps a shmem file and shows its inode, as Linux shows <c>/dev/zero (deleted)</c>.</param>
public readonly record struct MapsEntry(ulong Start, ulong End, VmFlags Flags, ulong PgOff, long Inode);

/// <summary>
/// The counters of /proc/PID/smaps_rollup, in pages (Linux: fs/proc/task_mmu.c show_smaps_rollup(),
/// smaps_pte_entry()): each is the sum over the mappings of what smaps counts for them.
/// </summary>
/// <param name="Rss">Present PTEs mapping a normal page (the shared zero page is not counted).</param>
/// <param name="Anonymous">Of those, pages of anonymous frames.</param>
/// <param name="Swap">Swap PTEs. Shmem pages moved to swap are not counted (Linux adds shmem_swap_usage()).</param>
/// <param name="Locked">Present pages of VM_LOCKED mappings (Linux counts their PSS).</param>
public readonly record struct SmapsRollupPages(long Rss, long Anonymous, long Swap, long Locked);

// /proc/PID/maps and /proc/PID/smaps_rollup of the simulated process (Linux: fs/proc/task_mmu.c).
public sealed partial class MmStruct
{
    /// <summary>The mappings in address order, as /proc/PID/maps lists them. Takes the mmap read lock.</summary>
    public IReadOnlyList<MapsEntry> Maps()
    {
        var token = ReadLock();
        try
        {
            var list = new List<MapsEntry>(Vmas.Count);
            foreach (var vma in Vmas)
            {
                list.Add(new MapsEntry(vma.Start, vma.End, vma.Flags, vma.PgOff, vma.File?.Inode.Ino ?? 0));
            }

            return list;
        }
        finally
        {
            ReadUnlock(token);
        }
    }

    /// <summary>
    /// The smaps_rollup counters: a walk of every mapping's page tables under the mmap read lock
    /// (each PTE table under its lock), as reading the file does.
    /// </summary>
    public SmapsRollupPages SmapsRollup()
    {
        var memory = Kernel.Memory;
        long rss = 0, anon = 0, swap = 0, locked = 0;
        var token = ReadLock();
        try
        {
            foreach (var vma in Vmas)
            {
                var vmaLocked = (vma.Flags & VmFlags.VM_LOCKED) != 0;
                for (var addr = vma.Start; addr < vma.End;)
                {
                    var stop = PageTable.PmdAddrEnd(addr, vma.End);
                    var table = PageTable.Lookup(addr);
                    if (table is not null)
                    {
                        using (table.Ptl.EnterScope())
                        {
                            for (var a = addr; a < stop; a += PageSize.PAGE_SIZE)
                            {
                                var pte = table.Get(PageTable.PteIndex(a));
                                if (pte.IsSwap)
                                {
                                    swap++;
                                }
                                else if (pte.IsPresent && pte.Pfn != PhysicalMemory.ZeroPfn)
                                {
                                    rss++;
                                    locked += vmaLocked ? 1 : 0;
                                    if (((PageFlags)Volatile.Read(ref memory.Frame(pte.Pfn).Flags) & PageFlags.Anon) != 0)
                                    {
                                        anon++;
                                    }
                                }
                            }
                        }
                    }

                    addr = stop;
                }
            }
        }
        finally
        {
            ReadUnlock(token);
        }

        return new SmapsRollupPages(rss, anon, swap, locked);
    }
}
