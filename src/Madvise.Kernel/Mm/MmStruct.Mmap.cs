using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Tasks;
using static Madvise.Abi.MapFlags;

namespace Madvise.Kernel.Mm;

// Linux: mm/mmap.c do_mmap(), __get_unmapped_area(), arch/x86/kernel/sys_x86_64.c, mm/vma.c __mmap_region().
public sealed partial class MmStruct
{
    /// <summary>RLIMIT_MEMLOCK's default since Linux 5.16 (8 MiB), in pages.</summary>
    internal const ulong MemlockLimitPages = (8UL << 20) >> PageSize.PAGE_SHIFT;

    private const ulong PmdSize = 2UL << 20;

    /// <summary>Flags MAP_SHARED keeps (LEGACY_MAP_MASK); MAP_SHARED_VALIDATE rejects anything else with -EOPNOTSUPP.</summary>
    private const int LegacyMapMask = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE
        | MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE
        | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | MAP_32BIT | 0x80 /* MAP_ABOVE4G */
        | (21 << 26) /* MAP_HUGE_2MB */ | (30 << 26) /* MAP_HUGE_1GB */;

    /// <summary>
    /// do_mmap(): creates a mapping. Precondition: the mmap write lock is held.
    /// </summary>
    /// <returns>The address, or a negative errno (as a long; addresses are below 2^47 so the two never collide).</returns>
    internal long DoMmap(ulong addr, ulong len, int prot, int flags, OpenFile? file, ulong pgoff, Credentials cred, out ulong populate)
    {
        MmapLock.AssertWriteLocked();
        Kernel.Faults.At(FaultPoint.MmapWriteLocked);
        populate = 0;
        if (len == 0)
        {
            return -Errno.EINVAL;
        }

        if ((flags & MAP_FIXED_NOREPLACE) != 0)
        {
            flags |= MAP_FIXED;
        }

        if ((flags & MAP_FIXED) == 0 && addr != 0 && addr < Kernel.Config.MmapMinAddr)
        {
            // round_hint_to_min()
            addr = PageSize.PageAlign(Kernel.Config.MmapMinAddr);
        }

        len = PageSize.PageAlign(len);
        if (len == 0)
        {
            return -Errno.ENOMEM;
        }

        if (pgoff + (len >> PageSize.PAGE_SHIFT) < pgoff)
        {
            return -Errno.EOVERFLOW;
        }

        if (Vmas.Count > Kernel.Config.MaxMapCount)
        {
            return -Errno.ENOMEM;
        }

        var vmFlags = ProtToVmFlags(prot) | FlagsToVmFlags(flags) | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC;
        var area = GetUnmappedArea(file, addr, len, pgoff, flags, cred);
        if (area < 0)
        {
            return area;
        }

        addr = (ulong)area;
        if ((flags & MAP_FIXED_NOREPLACE) != 0 && Vmas.FindIntersection(addr, addr + len) is not null)
        {
            return -Errno.EEXIST;
        }

        // can_do_mlock(): RLIMIT_MEMLOCK is not zero, so MAP_LOCKED is always allowed to try.
        if ((vmFlags & VmFlags.VM_LOCKED) != 0 && !MlockFutureOk(len >> PageSize.PAGE_SHIFT, cred))
        {
            return -Errno.EAGAIN;
        }

        if (file is not null)
        {
            if (!FileMmapOk(pgoff, len))
            {
                return -Errno.EOVERFLOW;
            }

            switch (flags & MAP_TYPE)
            {
                case MAP_SHARED:
                case MAP_SHARED_VALIDATE:
                    if ((flags & MAP_TYPE) == MAP_SHARED)
                    {
                        flags &= LegacyMapMask;
                    }
                    else if ((flags & ~LegacyMapMask) != 0)
                    {
                        return -Errno.EOPNOTSUPP;
                    }

                    if ((prot & Prot.PROT_WRITE) != 0 && !file.CanWrite)
                    {
                        return -Errno.EACCES;
                    }

                    vmFlags |= VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE;
                    if (!file.CanWrite)
                    {
                        vmFlags &= ~(VmFlags.VM_MAYWRITE | VmFlags.VM_SHARED);
                    }

                    goto case MAP_PRIVATE;
                case MAP_PRIVATE:
                    if (!file.CanRead)
                    {
                        return -Errno.EACCES;
                    }

                    if ((vmFlags & VmFlags.VM_GROWSDOWN) != 0)
                    {
                        return -Errno.EINVAL;
                    }

                    break;
                default:
                    return -Errno.EINVAL;
            }
        }
        else
        {
            switch (flags & MAP_TYPE)
            {
                case MAP_SHARED:
                    if ((vmFlags & VmFlags.VM_GROWSDOWN) != 0)
                    {
                        return -Errno.EINVAL;
                    }

                    pgoff = 0;
                    vmFlags |= VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE;
                    break;
                case MAP_DROPPABLE:
                    if ((flags & (MAP_LOCKED | MAP_HUGETLB)) != 0 || (vmFlags & VmFlags.VM_GROWSDOWN) != 0)
                    {
                        return -Errno.EINVAL;
                    }

                    vmFlags |= VmFlags.VM_DROPPABLE | VmFlags.VM_NORESERVE | VmFlags.VM_WIPEONFORK | VmFlags.VM_DONTDUMP;
                    pgoff = addr >> PageSize.PAGE_SHIFT;
                    break;
                case MAP_PRIVATE:
                    pgoff = addr >> PageSize.PAGE_SHIFT;
                    break;
                default:
                    return -Errno.EINVAL;
            }
        }

        if ((flags & MAP_NORESERVE) != 0)
        {
            // Honoured because vm.overcommit_memory is not OVERCOMMIT_NEVER.
            vmFlags |= VmFlags.VM_NORESERVE;
        }

        var mapped = MmapRegion(file, addr, len, vmFlags, pgoff);
        if (mapped >= 0 && ((vmFlags & VmFlags.VM_LOCKED) != 0 || (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE))
        {
            populate = len;
        }

        return mapped;
    }

    /// <summary>calc_vm_prot_bits().</summary>
    internal static VmFlags ProtToVmFlags(int prot) =>
        ((prot & Prot.PROT_READ) != 0 ? VmFlags.VM_READ : 0)
        | ((prot & Prot.PROT_WRITE) != 0 ? VmFlags.VM_WRITE : 0)
        | ((prot & Prot.PROT_EXEC) != 0 ? VmFlags.VM_EXEC : 0);

    /// <summary>calc_vm_flag_bits(): MAP_STACK implies VM_NOHUGEPAGE with THP built in.</summary>
    private static VmFlags FlagsToVmFlags(int flags) =>
        ((flags & MAP_GROWSDOWN) != 0 ? VmFlags.VM_GROWSDOWN : 0)
        | ((flags & MAP_LOCKED) != 0 ? VmFlags.VM_LOCKED : 0)
        | ((flags & MAP_SYNC) != 0 ? VmFlags.VM_SYNC : 0)
        | ((flags & MAP_STACK) != 0 ? VmFlags.VM_NOHUGEPAGE : 0);

    /// <summary>file_mmap_ok() for a file whose maximum size is MAX_LFS_FILESIZE.</summary>
    private static bool FileMmapOk(ulong pgoff, ulong len)
    {
        var maxSize = (ulong)long.MaxValue;
        if (len > maxSize)
        {
            return false;
        }

        maxSize -= len;
        return pgoff <= maxSize >> PageSize.PAGE_SHIFT;
    }

    /// <summary>mlock_future_ok(): locking <paramref name="pages"/> more stays within RLIMIT_MEMLOCK, or the caller has CAP_IPC_LOCK.</summary>
    internal bool MlockFutureOk(ulong pages, Credentials cred) =>
        cred.Has(Capability.CAP_IPC_LOCK) || (ulong)LockedVm + pages <= MemlockLimitPages;

    /// <summary>__get_unmapped_area(): chooses (or checks) where a mapping of <paramref name="len"/> bytes goes.</summary>
    /// <returns>The address, or a negative errno.</returns>
    private long GetUnmappedArea(OpenFile? file, ulong addr, ulong len, ulong pgoff, int flags, Credentials cred)
    {
        if (len > TaskSize)
        {
            return -Errno.ENOMEM;
        }

        long area;
        var shmem = file?.Inode.IsShmem == true || (file is null && (flags & MAP_SHARED) != 0);
        if (!shmem && file is null && addr == 0 && len % PmdSize == 0)
        {
            // Larger anonymous mappings are THP-aligned (thp_get_unmapped_area_vmflags).
            area = ThpGetUnmappedArea(addr, len, flags);
        }
        else
        {
            area = ArchGetUnmappedAreaTopdown(addr, len, flags);
        }

        // IS_ERR_VALUE(): a MAP_FIXED address comes back as it was given, and one at or above
        // 2^63 (0x8000000000000000, 0xffff800000000000, 0xfffffffffffff000) reads as a negative
        // long without being an errno; the limit check below answers -ENOMEM for all of them.
        if (Errno.IsErrorValue(area))
        {
            return area;
        }

        addr = (ulong)area;
        if (addr > TaskSize - len)
        {
            return -Errno.ENOMEM;
        }

        if (!PageSize.IsAligned(addr))
        {
            return -Errno.EINVAL;
        }

        // security_mmap_addr(): below vm.mmap_min_addr needs CAP_SYS_RAWIO.
        if (addr < Kernel.Config.MmapMinAddr && !cred.Has(Capability.CAP_SYS_RAWIO))
        {
            return -Errno.EPERM;
        }

        return area;
    }

    /// <summary>__thp_get_unmapped_area() with a PMD-sized alignment and file offset 0.</summary>
    private long ThpGetUnmappedArea(ulong addr, ulong len, int flags)
    {
        var padded = len + PmdSize;
        if (padded > len)
        {
            var ret = ArchGetUnmappedAreaTopdown(addr, padded, flags);
            if (!Errno.IsErrorValue(ret))
            {
                var r = (ulong)ret;
                if (r == addr)
                {
                    return (long)addr;
                }

                var offSub = (0 - r) & (PmdSize - 1);
                return (long)(offSub == 0 ? r + PmdSize : r + offSub);
            }
        }

        return ArchGetUnmappedAreaTopdown(addr, len, flags);
    }

    /// <summary>arch_get_unmapped_area_topdown() (x86-64).</summary>
    private long ArchGetUnmappedAreaTopdown(ulong addr, ulong len, int flags)
    {
        if (len > TaskSize)
        {
            return -Errno.ENOMEM;
        }

        if ((flags & MAP_FIXED) != 0)
        {
            return (long)addr;
        }

        if (addr != 0)
        {
            addr &= PageSize.PAGE_MASK;

            // mmap_address_hint_valid(): the hint must fit below the 47-bit window.
            if (TaskSize - len >= addr && addr + len <= TaskSize)
            {
                var vma = Vmas.Find(addr);
                if (vma is null || addr + len <= vma.Start)
                {
                    return (long)addr;
                }
            }
        }

        var low = Math.Max(PageSize.PAGE_SIZE, Kernel.Config.MmapMinAddr);
        var found = HighestGap(low, MmapBase, len);
        if (found >= 0)
        {
            return found;
        }

        // Bottom-up fallback (arch_get_unmapped_area from TASK_UNMAPPED_BASE).
        return LowestGap(PageSize.PageAlign(TaskSize / 3), TaskSize, len);
    }

    /// <summary>unmapped_area_topdown(): the highest gap of at least <paramref name="len"/> bytes in [low, high); returns its top minus len.</summary>
    private long HighestGap(ulong low, ulong high, ulong len)
    {
        var top = high;
        while (top > low)
        {
            var below = Vmas.Prev(top);
            if (below is not null && below.End > top)
            {
                top = below.Start;
                continue;
            }

            var gapStart = below is null ? low : Math.Max(below.End, low);
            if (top >= gapStart && top - gapStart >= len)
            {
                return (long)(top - len);
            }

            if (below is null)
            {
                break;
            }

            top = below.Start;
        }

        return -Errno.ENOMEM;
    }

    /// <summary>unmapped_area(): the lowest gap of at least <paramref name="len"/> bytes in [low, high).</summary>
    private long LowestGap(ulong low, ulong high, ulong len)
    {
        var cursor = low;
        while (cursor < high && high - cursor >= len)
        {
            var next = Vmas.Find(cursor);
            if (next is null || next.Start >= cursor + len)
            {
                return cursor + len <= high ? (long)cursor : -Errno.ENOMEM;
            }

            cursor = next.End;
        }

        return -Errno.ENOMEM;
    }

    /// <summary>__mmap_region(): replaces whatever is at [addr, addr+len) (MAP_FIXED) and creates or extends a VMA.</summary>
    private long MmapRegion(OpenFile? file, ulong addr, ulong len, VmFlags vmFlags, ulong pgoff)
    {
        var end = addr + len;
        if (Vmas.FindIntersection(addr, end) is not null)
        {
            var err = UnmapRangeLocked(addr, end);
            if (err != 0)
            {
                return err;
            }
        }

        // accountable_mapping(): private writable memory is charged (heuristic overcommit
        // refuses a single request larger than RAM + swap).
        if ((vmFlags & (VmFlags.VM_NORESERVE | VmFlags.VM_SHARED | VmFlags.VM_WRITE)) == VmFlags.VM_WRITE)
        {
            if (!VmEnoughMemory(len >> PageSize.PAGE_SHIFT))
            {
                return -Errno.ENOMEM;
            }

            vmFlags |= VmFlags.VM_ACCOUNT;
        }

        Vma? vma = null;
        var sharedAnon = file is null && (vmFlags & VmFlags.VM_SHARED) != 0;
        if (!sharedAnon)
        {
            vma = MergeNewRange(addr, end, vmFlags, file, pgoff);
        }

        if (vma is null)
        {
            if (sharedAnon)
            {
                // shmem_zero_setup(): shared anonymous memory is a shmem file of the mapping's size.
                var inode = Kernel.CreateInode(len, 0, shmem: true, ownerUid: 0);
                file = new OpenFile(inode, canRead: true, canWrite: true);
            }

            vma = new Vma(this, addr, end, vmFlags, file, pgoff);
            InsertVma(vma);
        }

        if ((vmFlags & VmFlags.VM_LOCKED) != 0)
        {
            AddLockedVm((long)(len >> PageSize.PAGE_SHIFT));
        }

        return (long)addr;
    }

    /// <summary>__vm_enough_memory() with vm.overcommit_memory = 0: a single request may not exceed RAM + swap.</summary>
    internal bool VmEnoughMemory(ulong pages)
    {
        var total = (ulong)Kernel.Memory.TotalFrames + (Kernel.Config.SwapBytes >> PageSize.PAGE_SHIFT);
        return pages <= total;
    }
}
