using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// /proc/PID/maps of the simulated process (Linux: fs/proc/task_mmu.c show_map_vma()); smaps is MmStruct.Smaps.cs.
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
}
