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
