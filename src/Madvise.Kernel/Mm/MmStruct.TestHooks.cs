using Madvise.Abi;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Read-only views of internal state for tests and tools (Garnet-style TestHooks).
public sealed partial class MmStruct
{
    /// <summary>A snapshot of the VMAs as (start, end, flags), in address order. Takes the mmap read lock.</summary>
    public IReadOnlyList<(ulong Start, ulong End, VmFlags Flags)> VmaList()
    {
        var token = ReadLock();
        try
        {
            var list = new List<(ulong, ulong, VmFlags)>(Vmas.Count);
            foreach (var vma in Vmas)
            {
                list.Add((vma.Start, vma.End, vma.Flags));
            }

            return list;
        }
        finally
        {
            ReadUnlock(token);
        }
    }

    /// <summary>
    /// find_vma() on the current version of the VMA tree, without the mmap_lock (the tree is
    /// persistent, so the lookup is safe; the VMA may change right after unless no thread is
    /// changing the address space). For tools that inspect an address space between operations,
    /// such as a trace replay looking for holes, without counting as a lock user.
    /// </summary>
    /// <returns>The VMA containing <paramref name="addr"/>, else the first one above it, else null.</returns>
    public Vma? FindVmaUnlocked(ulong addr) => Vmas.Find(addr);

    /// <summary>Number of PTE tables attached.</summary>
    internal long PteTableCount => PageTable.PteTableCount;
}
