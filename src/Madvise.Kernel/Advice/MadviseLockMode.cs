namespace Madvise.Kernel.Advice;

/// <summary>Which lock a behaviour runs under (Linux: <c>enum madvise_lock_mode</c>).</summary>
internal enum MadviseLockMode
{
    /// <summary>No lock (HWPOISON, SOFT_OFFLINE), or none held right now.</summary>
    None,

    /// <summary>mmap_lock for reading.</summary>
    MmapRead,

    /// <summary>mmap_lock for writing (killable).</summary>
    MmapWrite,

    /// <summary>The per-VMA read lock, taken per range in the walk; falls back to <see cref="MmapRead"/>.</summary>
    VmaRead,
}
