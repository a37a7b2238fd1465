namespace Madvise.Measurement.Workloads;

/// <summary>What the contention writer does to need the mmap_lock for writing.</summary>
public enum WriterKind
{
    /// <summary>mmap(MAP_FIXED) of one page, then munmap of it: two write-lock operations.</summary>
    Mmap,

    /// <summary>mprotect of one page, toggling PROT_READ and PROT_READ|PROT_WRITE: one write-lock operation.</summary>
    Mprotect,
}
