namespace Madvise.Abi;

/// <summary>mmap(2) flags, x86-64 values (include/uapi/linux/mman.h, asm-generic/mman*.h).</summary>
public static class MapFlags
{
    /// <summary>Share the mapping: stores are visible to other mappings of the same object and reach the file.</summary>
    public const int MAP_SHARED = 0x01;
    /// <summary>Private copy-on-write mapping: stores stay in this process.</summary>
    public const int MAP_PRIVATE = 0x02;
    /// <summary>As MAP_SHARED, but unknown flags fail with EOPNOTSUPP instead of being ignored.</summary>
    public const int MAP_SHARED_VALIDATE = 0x03;
    /// <summary>Memory the kernel may drop under pressure (reads then see zeroes); Linux 6.11+.</summary>
    public const int MAP_DROPPABLE = 0x08;
    /// <summary>Mask of the mapping type bits (SHARED, PRIVATE, SHARED_VALIDATE, DROPPABLE).</summary>
    public const int MAP_TYPE = 0x0f;
    /// <summary>Place the mapping exactly at the address, replacing what is there.</summary>
    public const int MAP_FIXED = 0x10;
    /// <summary>Not backed by a file: zero-filled memory; the descriptor is ignored.</summary>
    public const int MAP_ANONYMOUS = 0x20;
    /// <summary>Place the mapping in the first 2 GiB (x86-64 only).</summary>
    public const int MAP_32BIT = 0x40;
    /// <summary>A stack-like mapping that grows downward on faults below it.</summary>
    public const int MAP_GROWSDOWN = 0x0100;
    /// <summary>Ignored (historical).</summary>
    public const int MAP_DENYWRITE = 0x0800;
    /// <summary>Ignored (historical).</summary>
    public const int MAP_EXECUTABLE = 0x1000;
    /// <summary>Lock the pages in memory, as mlock(2) does (failures to populate are ignored).</summary>
    public const int MAP_LOCKED = 0x2000;
    /// <summary>Do not reserve swap space for the mapping.</summary>
    public const int MAP_NORESERVE = 0x4000;
    /// <summary>Prefault the page tables (read-ahead for files).</summary>
    public const int MAP_POPULATE = 0x8000;
    /// <summary>With MAP_POPULATE: do not block on I/O (ignored since Linux 2.6.23).</summary>
    public const int MAP_NONBLOCK = 0x10000;
    /// <summary>The mapping is a thread stack (no THP).</summary>
    public const int MAP_STACK = 0x20000;
    /// <summary>Allocate from the hugetlb pool.</summary>
    public const int MAP_HUGETLB = 0x40000;
    /// <summary>With MAP_SHARED_VALIDATE on DAX files: synchronous page faults.</summary>
    public const int MAP_SYNC = 0x80000;
    /// <summary>Place the mapping exactly at the address, failing with EEXIST rather than replacing anything.</summary>
    public const int MAP_FIXED_NOREPLACE = 0x100000;
    /// <summary>Do not clear anonymous pages (only on kernels built for it).</summary>
    public const int MAP_UNINITIALIZED = 0x4000000;
}
