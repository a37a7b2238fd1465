using System.Runtime.CompilerServices;
using Madvise.Abi;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// User memory access: what the task's own loads and stores do, through the calling CPU's TLB,
// the page table and the fault handler (Linux: arch/x86/mm/fault.c do_user_addr_fault()).
public sealed partial class MmStruct
{
    /// <summary>How <see cref="Access"/> moves bytes.</summary>
    private enum AccessKind
    {
        /// <summary>Copy from user memory into a buffer.</summary>
        Read,

        /// <summary>Copy from a buffer into user memory.</summary>
        Write,

        /// <summary>Store one byte value into every byte (memset).</summary>
        Fill,
    }

    /// <summary>
    /// Reads user memory at <paramref name="addr"/> into <paramref name="destination"/> as a load
    /// by the task would, faulting pages in.
    /// </summary>
    /// <returns>The number of bytes read before the first byte that faults (destination.Length when none does).</returns>
    public unsafe long ReadUser(ulong addr, Span<byte> destination)
    {
        fixed (byte* p = destination)
        {
            return Access(addr, (ulong)destination.Length, p, 0, AccessKind.Read);
        }
    }

    /// <summary>Writes <paramref name="source"/> to user memory as stores by the task would.</summary>
    /// <returns>The number of bytes stored before the first byte that faults.</returns>
    public unsafe long WriteUser(ulong addr, ReadOnlySpan<byte> source)
    {
        fixed (byte* p = source)
        {
            return Access(addr, (ulong)source.Length, p, 0, AccessKind.Write);
        }
    }

    /// <summary>Stores <paramref name="value"/> into <paramref name="length"/> bytes, as memset would.</summary>
    /// <returns>The number of bytes stored before the first byte that faults.</returns>
    public unsafe long FillUser(ulong addr, ulong length, byte value) => Access(addr, length, null, value, AccessKind.Fill);

    /// <summary>
    /// Reads this address space from the kernel side, as process_vm_readv(2) does
    /// (access_remote_vm: get_user_pages without FOLL_FORCE): unlike a load by the task, a page
    /// needs VM_READ (write-only and exec-only memory cannot be read), and no TLB is used.
    /// </summary>
    /// <returns>The number of bytes read before the first page that cannot be.</returns>
    public unsafe long ReadRemote(ulong addr, Span<byte> destination)
    {
        fixed (byte* p = destination)
        {
            return Access(addr, (ulong)destination.Length, p, 0, AccessKind.Read, remote: true);
        }
    }

    /// <summary>Stores <paramref name="value"/> into <paramref name="length"/> bytes from the kernel side, as process_vm_writev(2) does.</summary>
    /// <returns>The number of bytes stored before the first page that cannot be written.</returns>
    public unsafe long FillRemote(ulong addr, ulong length, byte value)
    {
        var done = Access(addr, length, null, value, AccessKind.Fill, remote: true);
        MarkPinnedPagesDirty(addr, (ulong)done);
        return done;
    }

    /// <summary>
    /// process_vm_writev() releases the pages it wrote with unpin_user_pages_dirty_lock()
    /// (Linux: mm/process_vm_access.c process_vm_rw_pages()): every page of the written bytes is
    /// marked dirty, anonymous ones too, whatever the dirty bit of its entry. A dirty page that
    /// another process also maps (after fork) is then left alone by MADV_FREE
    /// (madvise_free_pte_range()). Takes the mmap read lock and the PTE locks.
    /// </summary>
    private void MarkPinnedPagesDirty(ulong addr, ulong length)
    {
        if (length == 0)
        {
            return;
        }

        var memory = Kernel.Memory;
        var end = addr + length;
        var token = ReadLock();
        try
        {
            for (var page = addr & PageSize.PAGE_MASK; page < end;)
            {
                var stop = Math.Min(PageTable.PmdAddrEnd(page, TaskSize), end);
                var table = PageTable.Lookup(page);
                if (table is not null)
                {
                    using (table.Ptl.EnterScope())
                    {
                        // A huge page is one folio: unpinning any page of it dirties all of it.
                        if (table.GetHuge() is { IsPresent: true, IsHugeZero: false } pmd)
                        {
                            MarkAnonFolioDirty(pmd.Pfn);
                        }

                        for (var at = page; table.Huge == 0 && at < stop; at += PageSize.PAGE_SIZE)
                        {
                            var pte = table.Get(PageTable.PteIndex(at));
                            if (pte.IsPresent && pte.Pfn != PhysicalMemory.ZeroPfn && !memory.Frame(pte.Pfn).Has(PageFlags.Dirty))
                            {
                                MarkAnonFolioDirty(pte.Pfn);
                            }
                        }
                    }
                }

                page = (stop + PageSize.PAGE_SIZE - 1) & PageSize.PAGE_MASK;
            }
        }
        finally
        {
            ReadUnlock(token);
        }
    }

    private unsafe long Access(ulong addr, ulong length, byte* buffer, byte value, AccessKind kind, bool remote = false)
    {
        var cpu = SimCpu.Current;
        if (!remote && (!ReferenceEquals(cpu.LoadedMm, this) || cpu.IsLazy))
        {
            // The task's thread runs on this CPU from here on (switch_mm).
            cpu.SwitchMm(this);
        }

        var memory = Kernel.Memory;
        var write = kind != AccessKind.Read;
        ulong done = 0;
        while (done < length)
        {
            var va = addr + done;
            if (va < addr || va >= TaskSize)
            {
                break;
            }

            var offset = (int)(va & (PageSize.PAGE_SIZE - 1));
            var chunk = (int)Math.Min(length - done, PageSize.PAGE_SIZE - (ulong)offset);
            var copied = false;
            if (!remote)
            {
                using (cpu.TlbSpinlock.EnterScope())
                {
                    if (cpu.TryTranslate(Id, va >> PageSize.PAGE_SHIFT, write, out var pfn) || TryWalkLocked(cpu, va, write, out pfn))
                    {
                        Copy(memory.Data(pfn) + offset, buffer is null ? null : buffer + done, chunk, value, kind);
                        copied = true;
                    }
                }
            }

            if (!copied && !AccessSlow(remote ? null : cpu, va, buffer is null ? null : buffer + done, chunk, value, kind))
            {
                break;
            }

            done += (ulong)chunk;
        }

        return (long)done;
    }

    /// <summary>
    /// TLB miss served the way the hardware page walker serves it: no mmap_lock, no PTE lock. An
    /// entry that already allows the access (present, accessed, and for a store writable and
    /// dirty) is cached and used; anything else — no entry, a swap entry or marker, a bit the
    /// access would have to set — is left to <see cref="AccessSlow"/> and the fault handler, as a
    /// hardware walk that cannot complete raises a page fault.
    /// </summary>
    /// <remarks>
    /// <para>Preconditions: <paramref name="cpu"/>'s <c>TlbSpinlock</c> is held by its own thread,
    /// which has this mm loaded and is not lazy (<see cref="Access"/> switched to it). The caller
    /// performs the access before releasing the lock.</para>
    /// <para>Why no lock is needed: whoever clears or downgrades the entry (zap, mprotect, reclaim)
    /// changes it first and then shoots down the TLBs of the mm's CPUs (<c>TlbFlush</c>), which
    /// takes this CPU's <c>TlbSpinlock</c>, waits for the access in progress, and drops the
    /// translation filled here; a frame is freed only after that flush. So the access is ordered
    /// before the change completes, as a load that hit the TLB would be. The VMA's permissions
    /// are read from the lock-free tree because the model's entries carry no read permission
    /// (PROT_NONE keeps a present entry); mprotect publishes the new VMA before its shootdown,
    /// so a walk that starts after that shootdown sees it. The walker never writes the entry:
    /// the accessed and dirty bits are set under the PTE lock by the slow path, so no
    /// read-modify-write by a PTE lock holder can lose them.</para>
    /// <para>Linux: the hardware walk of arch/x86 (no kernel code); a walk that fails ends in
    /// arch/x86/mm/fault.c do_user_addr_fault().</para>
    /// </remarks>
    private bool TryWalkLocked(SimCpu cpu, ulong va, bool write, out int pfn)
    {
        pfn = 0;
        var vma = Vmas.FindContaining(va);
        if (vma is null || !AccessAllowed(vma, write))
        {
            return false;
        }

        var page = va & PageSize.PAGE_MASK;
        var table = PageTable.Lookup(page);
        if (table is null)
        {
            return false;
        }

        // A huge entry maps the page as frame pfn + index (its table entries are all none).
        var index = PageTable.PteIndex(page);
        if (table.PeekHuge() is { IsPresent: true } pmd)
        {
            if (!pmd.Young || (write && !(pmd.Writable && pmd.Dirty)))
            {
                return false;
            }

            pfn = pmd.Pfn + index;
            cpu.Fill(Id, page >> PageSize.PAGE_SHIFT, pfn, pmd.Writable && pmd.Dirty);
            return true;
        }

        var pte = table.Peek(index);
        if (!pte.IsPresent || !pte.Young || (write && !(pte.Writable && pte.Dirty)))
        {
            return false;
        }

        pfn = pte.Pfn;
        cpu.Fill(Id, page >> PageSize.PAGE_SHIFT, pfn, pte.Writable && pte.Dirty);
        return true;
    }

    /// <summary>
    /// TLB miss that the walker could not serve: walk the page table under the mmap read lock,
    /// fault if needed, perform the access under the PTE lock and cache the translation.
    /// </summary>
    /// <returns>False when the access faults (SIGSEGV/SIGBUS for the task).</returns>
    private unsafe bool AccessSlow(SimCpu? cpu, ulong va, byte* buffer, int chunk, byte value, AccessKind kind)
    {
        var write = kind != AccessKind.Read;
        var token = ReadLock();
        try
        {
            var vma = Vmas.FindContaining(va);
            var allowed = vma is not null && (cpu is not null ? AccessAllowed(vma, write)
                : (vma.Flags & (write ? VmFlags.VM_WRITE : VmFlags.VM_READ)) != 0 && (vma.Flags & (VmFlags.VM_IO | VmFlags.VM_PFNMAP)) == 0);
            if (!allowed)
            {
                return false;
            }

            var page = va & PageSize.PAGE_MASK;
            var offset = (int)(va - page);

            // process_vm_readv() pins the pages it reads (FOLL_PIN): an anonymous page shared with
            // another mapping is unshared first (gup_must_unshare()), as a write would copy it.
            var pin = cpu is null && !write;
            while (true)
            {
                var table = PageTable.Lookup(page);
                var index = PageTable.PteIndex(page);

                // Like the hardware walker, look without the lock first: an entry that cannot
                // satisfy the access goes straight to the fault handler (which re-reads it); one
                // that can is re-checked under the lock, which the access then holds.
                if (table is not null && table.PeekHuge() is { IsPresent: true } seenHuge && (!write || seenHuge.Writable))
                {
                    using (table.Ptl.EnterScope())
                    {
                        var pmd = table.GetHuge();
                        if (pmd.IsPresent && (!write || pmd.Writable) && !(pin && !pmd.IsHugeZero && MustUnshareHuge(pmd)))
                        {
                            // One entry maps the 2 MiB: the page is frame pfn + index.
                            TouchHugeLocked(table, pmd, write);
                            var pfn = pmd.Pfn + index;
                            Copy(Kernel.Memory.Data(pfn) + offset, buffer, chunk, value, kind);
                            if (cpu is not null)
                            {
                                using (cpu.TlbSpinlock.EnterScope())
                                {
                                    cpu.Fill(Id, page >> PageSize.PAGE_SHIFT, pfn, pmd.Writable && (pmd.Dirty || write));
                                }
                            }

                            return true;
                        }
                    }
                }
                else if (table is not null && table.Peek(index) is { IsPresent: true } seen && (!write || seen.Writable))
                {
                    using (table.Ptl.EnterScope())
                    {
                        var pte = table.Get(index);
                        if (pte.IsPresent && (!write || pte.Writable) && !(pin && MustUnshare(pte)))
                        {
                            // Hardware sets the accessed (and on a store the dirty) bit.
                            var aged = pte.WithYoung(true);
                            if (write && !pte.Dirty)
                            {
                                aged = aged.WithDirty(true);
                                MarkFrameDirtyIfFile(pte.Pfn);
                            }

                            if (aged != pte)
                            {
                                table.Set(index, aged);
                            }

                            Copy(Kernel.Memory.Data(pte.Pfn) + offset, buffer, chunk, value, kind);
                            if (cpu is not null)
                            {
                                using (cpu.TlbSpinlock.EnterScope())
                                {
                                    cpu.Fill(Id, page >> PageSize.PAGE_SHIFT, pte.Pfn, aged.Writable && aged.Dirty);
                                }
                            }

                            return true;
                        }
                    }
                }

                if (HandleFault(vma!, page, write, unshare: pin) != FaultResult.Ok)
                {
                    return false;
                }
            }
        }
        finally
        {
            ReadUnlock(token);
        }
    }

    /// <summary>access_error() on x86: a store needs VM_WRITE; a load needs any of read, write or exec.</summary>
    internal static bool AccessAllowed(Vma vma, bool write) =>
        write ? (vma.Flags & VmFlags.VM_WRITE) != 0 : (vma.Flags & (VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_EXEC)) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(byte* user, byte* buffer, int count, byte value, AccessKind kind)
    {
        switch (kind)
        {
            case AccessKind.Read:
                Buffer.MemoryCopy(user, buffer, count, count);
                break;
            case AccessKind.Write:
                Buffer.MemoryCopy(buffer, user, count, count);
                break;
            default:
                new Span<byte>(user, count).Fill(value);
                break;
        }
    }
}
