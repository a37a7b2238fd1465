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

    /// <summary>Number of PTE tables attached.</summary>
    internal long PteTableCount => PageTable.PteTableCount;

    /// <summary>Frames the page table holds, every level.</summary>
    internal long PageTableFrames => PageTable.TableFrames;
}
