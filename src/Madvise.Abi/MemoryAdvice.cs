namespace Madvise.Abi;

/// <summary>
/// madvise(2) advice values (include/uapi/asm-generic/mman-common.h), x86-64 numbering.
/// </summary>
/// <remarks>
/// Advice values are numbers, not flags: they cannot be combined (<c>MADV_FREE | MADV_DONTDUMP</c>
/// is 24, which is <see cref="MADV_DONTNEED_LOCKED"/>). A value outside this list is still a valid
/// <see cref="MemoryAdvice"/> and reaches the kernel as is; the kernel answers EINVAL.
/// </remarks>
public enum MemoryAdvice
{
    /// <summary>No special treatment (the default).</summary>
    MADV_NORMAL = 0,

    /// <summary>Expect random page references: read-ahead off (VM_RAND_READ).</summary>
    MADV_RANDOM = 1,

    /// <summary>Expect sequential page references: aggressive read-ahead (VM_SEQ_READ).</summary>
    MADV_SEQUENTIAL = 2,

    /// <summary>Expect access soon: start reading file pages or swapped-out pages in.</summary>
    MADV_WILLNEED = 3,

    /// <summary>Drop the pages now: private anonymous memory reads back as zeros, file memory as the file's contents.</summary>
    MADV_DONTNEED = 4,

    /// <summary>The pages may be freed lazily, under memory pressure, unless written again first (private anonymous only).</summary>
    MADV_FREE = 8,

    /// <summary>Free the pages and the backing store of a shared file or shmem range (punches a hole).</summary>
    MADV_REMOVE = 9,

    /// <summary>Do not make the range available to the child after fork (VM_DONTCOPY).</summary>
    MADV_DONTFORK = 10,

    /// <summary>Undo <see cref="MADV_DONTFORK"/>.</summary>
    MADV_DOFORK = 11,

    /// <summary>Let KSM merge identical pages of the range (VM_MERGEABLE).</summary>
    MADV_MERGEABLE = 12,

    /// <summary>Undo <see cref="MADV_MERGEABLE"/>, unmerging pages already merged.</summary>
    MADV_UNMERGEABLE = 13,

    /// <summary>Prefer transparent huge pages for the range (VM_HUGEPAGE).</summary>
    MADV_HUGEPAGE = 14,

    /// <summary>Never use transparent huge pages for the range (VM_NOHUGEPAGE).</summary>
    MADV_NOHUGEPAGE = 15,

    /// <summary>Leave the range out of core dumps (VM_DONTDUMP).</summary>
    MADV_DONTDUMP = 16,

    /// <summary>Undo <see cref="MADV_DONTDUMP"/>.</summary>
    MADV_DODUMP = 17,

    /// <summary>The child sees the range zero-filled after fork (VM_WIPEONFORK; private anonymous only).</summary>
    MADV_WIPEONFORK = 18,

    /// <summary>Undo <see cref="MADV_WIPEONFORK"/>.</summary>
    MADV_KEEPONFORK = 19,

    /// <summary>Deactivate the pages: move them to the inactive LRU list, first in line for reclaim.</summary>
    MADV_COLD = 20,

    /// <summary>Reclaim the pages now: write anonymous pages to swap, drop clean file pages.</summary>
    MADV_PAGEOUT = 21,

    /// <summary>Fault the pages in readable, as reads would (no copy-on-write break).</summary>
    MADV_POPULATE_READ = 22,

    /// <summary>Fault the pages in writable, as writes would.</summary>
    MADV_POPULATE_WRITE = 23,

    /// <summary>As <see cref="MADV_DONTNEED"/>, and also on mlock()ed ranges (Linux 5.18+).</summary>
    MADV_DONTNEED_LOCKED = 24,

    /// <summary>Collapse the range into transparent huge pages synchronously (Linux 6.1+).</summary>
    MADV_COLLAPSE = 25,

    /// <summary>Poison the pages as if a hardware memory error had hit them (needs CAP_SYS_ADMIN and CONFIG_MEMORY_FAILURE).</summary>
    MADV_HWPOISON = 100,

    /// <summary>Soft-offline the pages: migrate their contents and retire the frames (needs CAP_SYS_ADMIN).</summary>
    MADV_SOFT_OFFLINE = 101,

    /// <summary>Install guard markers: any access to the range faults, without a VMA split (Linux 6.13+).</summary>
    MADV_GUARD_INSTALL = 102,

    /// <summary>Remove guard markers installed by <see cref="MADV_GUARD_INSTALL"/>.</summary>
    MADV_GUARD_REMOVE = 103,
}
