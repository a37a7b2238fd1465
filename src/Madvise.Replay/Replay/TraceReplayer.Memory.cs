using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Syscalls;
using Madvise.Replay.Model;
using Madvise.Replay.Strace;

namespace Madvise.Replay.Replay;

// mmap, munmap, mprotect, brk, mremap, mincore, mlock; implicit mappings; touching pages.
public sealed partial class TraceReplayer
{
    /// <summary>
    /// mmap. A mapping the log shows at an address the kernel chose is made there with
    /// MAP_FIXED_NOREPLACE (it fails with EEXIST if the replay has something there that the
    /// program did not); MAP_FIXED and MAP_FIXED_NOREPLACE calls and failed calls run as logged.
    /// File mappings are backed by a simulated file (one per -y path, else per descriptor) at
    /// least as large as the mapping needs.
    /// </summary>
    private void Mmap(ReplayProcess p, TraceEvent ev)
    {
        var a = ev.Args;
        ulong addr = a[0], length = a[1], offset = a[5];
        var prot = (int)(uint)a[2];
        var flags = (int)(uint)a[3];
        var fd = (long)a[4];
        var success = LoggedSuccess(ev);
        Unjudged? unjudged = null;
        OpenFile? file = null;
        if ((flags & MapFlags.MAP_ANONYMOUS) == 0 && fd >= 0)
        {
            if (!success && ev.Errno is Errno.EBADF or Errno.EACCES or Errno.ENODEV)
            {
                // Whether the descriptor was open, and how, is not in the trace.
                unjudged = Unjudged.Descriptor;
            }
            else
            {
                file = FileForDescriptor(p, fd, ev.FdPath, offset + length);
                if (file is null)
                {
                    p.Tally.NotJudged(Unjudged.MemoryBound);
                    return;
                }
            }
        }

        if (success)
        {
            var at = (ulong)ev.Value;
            if ((flags & (MapFlags.MAP_FIXED | MapFlags.MAP_FIXED_NOREPLACE)) == 0)
            {
                flags = (flags & ~MapFlags.MAP_32BIT) | MapFlags.MAP_FIXED_NOREPLACE;
            }

            addr = at;
        }

        if ((flags & (MapFlags.MAP_POPULATE | MapFlags.MAP_LOCKED)) != 0 && !WithinMemoryBound(length))
        {
            flags &= ~(MapFlags.MAP_POPULATE | MapFlags.MAP_LOCKED);
            unjudged = Unjudged.MemoryBound;
        }

        var ours = MeasuredMmap(p, addr, length, prot, flags, file, offset);
        if (success && ours == -Errno.EEXIST && RunPendingUnmaps(p, addr, length))
        {
            // Another thread's munmap, still in progress in the log, had freed the range first.
            ours = MeasuredMmap(p, addr, length, prot, flags, file, offset);
        }

        string? note = null;
        if (success && ours == -Errno.EEXIST && (flags & MapFlags.MAP_FIXED_NOREPLACE) != 0)
        {
            // The replay had memory where the program's kernel found a hole: map over it so that
            // later calls line up, and report it.
            note = "the replay had a mapping where the program's kernel had none";
            MapWithFile(p, addr, length, prot, (flags & ~MapFlags.MAP_FIXED_NOREPLACE) | MapFlags.MAP_FIXED, file, offset);
        }
        else if (!success && ours >= 0)
        {
            // Keep the address space as the program's: undo the mapping the log says failed.
            Sys.Munmap(p.Task, (ulong)ours, length);
        }

        Judge(p, ev, ours, unjudged, note: note);
    }

    private long MeasuredMmap(ReplayProcess p, ulong addr, ulong length, int prot, int flags, OpenFile? file, ulong offset)
    {
        var mm = p.Mm!;
        var fd = file is null ? -1 : p.Task.Files.Install(file);
        var m = new Measure(Kernel, mm, null);
        var r = Sys.Mmap(p.Task, addr, length, (ulong)(uint)prot, (ulong)(uint)flags, fd, offset);
        m.End(Kernel, mm, null, p.Tally, advice: false);
        if (fd >= 0)
        {
            Sys.Close(p.Task, fd);
        }

        return r;
    }

    /// <summary>The file a traced descriptor maps: by its -y path, else the descriptor's last file if large enough, else a new one.</summary>
    private OpenFile? FileForDescriptor(ReplayProcess p, long fd, string? path, ulong needed)
    {
        if (path is not null)
        {
            return FileFor(path, needed);
        }

        needed = Math.Min(PageSize.PageAlign(needed), _options.MaxFileBytes);
        if (p.Files.TryGetValue(fd, out var file) && file.Inode.Size >= needed)
        {
            return file;
        }

        file = CreateFile(needed);
        if (file is not null)
        {
            p.Files[fd] = file;
        }

        return file;
    }

    private void Munmap(ReplayProcess p, TraceEvent ev)
    {
        _pendingUnmaps.Remove(ev.Tid);
        if (_earlyResults.Remove(ev.Tid, out var early))
        {
            Judge(p, ev, early);
            return;
        }

        Judge(p, ev, MeasuredMunmap(p, ev.Args[0], ev.Args[1]));
    }

    private long MeasuredMunmap(ReplayProcess p, ulong addr, ulong length)
    {
        var mm = p.Mm!;
        var m = new Measure(Kernel, mm, null);
        var ours = Sys.Munmap(p.Task, addr, length);
        m.End(Kernel, mm, null, p.Tally, advice: false);
        return ours;
    }

    /// <summary>
    /// Lines are in the order strace printed them, not the order the kernel did the work: an
    /// mmap can return an address that another thread's munmap, whose result line comes later,
    /// had already freed. Runs such munmaps of <paramref name="p"/>'s threads overlapping the
    /// range now; their completion lines take the result.
    /// </summary>
    /// <returns>True when one ran.</returns>
    private bool RunPendingUnmaps(ReplayProcess p, ulong addr, ulong length)
    {
        var ran = false;
        foreach (var (tid, unmap) in _pendingUnmaps)
        {
            if (unmap.Addr < addr + length && addr < unmap.Addr + unmap.Length
                && _threads.TryGetValue(tid, out var thread) && thread.Process == p && !_earlyResults.ContainsKey(tid))
            {
                _earlyResults[tid] = MeasuredMunmap(p, unmap.Addr, unmap.Length);
                ran = true;
            }
        }

        return ran;
    }

    /// <summary>mprotect, and pkey_mprotect with key -1 (the same call); another key needs protection keys, which the simulated kernel does not have.</summary>
    private void Mprotect(ReplayProcess p, TraceEvent ev)
    {
        if (ev.Syscall == SyscallKind.PkeyMprotect && (int)ev.Args[3] != -1)
        {
            p.Tally.NotJudged(Unjudged.NotSimulated);
            return;
        }

        var implicitMapped = LoggedSuccess(ev) && MapHoles(p, ev.Args[0], ev.Args[1]);
        var mm = p.Mm!;
        var m = new Measure(Kernel, mm, null);
        var ours = Sys.Mprotect(p.Task, ev.Args[0], ev.Args[1], ev.Args[2]);
        m.End(Kernel, mm, null, p.Tally, advice: false);
        Judge(p, ev, ours, implicitMapped ? Unjudged.ImplicitMapping : null);
    }

    /// <summary>mincore: the result is compared, not the residency vector (page faults are not in the trace).</summary>
    private void Mincore(ReplayProcess p, TraceEvent ev)
    {
        ulong addr = ev.Args[0], length = ev.Args[1];
        var pages = (length >> PageSize.PAGE_SHIFT) + ((length & (PageSize.PAGE_SIZE - 1)) != 0 ? 1UL : 0);
        if (pages > 1UL << 24)
        {
            p.Tally.NotJudged(Unjudged.MemoryBound);
            return;
        }

        if (_mincoreVector.Length < (int)pages)
        {
            _mincoreVector = new byte[(int)pages];
        }

        var implicitMapped = LoggedSuccess(ev) && PageSize.IsAligned(addr) && MapHoles(p, addr, length);
        var mm = p.Mm!;
        var m = new Measure(Kernel, mm, null);
        var ours = Sys.Mincore(p.Task, addr, length, _mincoreVector.AsSpan(0, (int)pages));
        m.End(Kernel, mm, null, p.Tally, advice: false);
        Judge(p, ev, ours, implicitMapped ? Unjudged.ImplicitMapping : null);
    }

    /// <summary>mlock, munlock, and mlock2 without flags (mlock2 with MLOCK_ONFAULT is not simulated).</summary>
    private void Mlock(ReplayProcess p, TraceEvent ev)
    {
        if (ev.Syscall == SyscallKind.Mlock2 && ev.Args[2] != 0)
        {
            p.Tally.NotJudged(Unjudged.NotSimulated);
            return;
        }

        ulong addr = ev.Args[0], length = ev.Args[1];
        var locking = ev.Syscall != SyscallKind.Munlock;
        if (locking && !WithinMemoryBound(length))
        {
            p.Tally.NotJudged(Unjudged.MemoryBound);
            return;
        }

        var implicitMapped = LoggedSuccess(ev) && MapHoles(p, addr, length);
        var mm = p.Mm!;
        var m = new Measure(Kernel, mm, null);
        var ours = locking ? Sys.Mlock(p.Task, addr, length) : Sys.Munlock(p.Task, addr, length);
        m.End(Kernel, mm, null, p.Tally, advice: false);
        Judge(p, ev, ours, implicitMapped ? Unjudged.ImplicitMapping : null);
    }

    /// <summary>
    /// brk, emulated (the simulated kernel has no brk): the area between the old and the new
    /// break, as the log shows it, is mapped (anonymous, read-write) or unmapped.
    /// </summary>
    private void Brk(ReplayProcess p, TraceEvent ev)
    {
        if (ev.Result != ResultKind.Value)
        {
            p.Tally.NotJudged(Unjudged.NoResult);
            return;
        }

        var end = (ulong)ev.Value;
        if (p.BrkStart == 0)
        {
            p.BrkStart = p.BrkEnd = end;
        }

        var oldTop = PageSize.PageAlign(p.BrkEnd);
        var newTop = PageSize.PageAlign(end);
        if (end >= p.BrkStart && newTop != oldTop)
        {
            var mm = p.Mm!;
            var m = new Measure(Kernel, mm, null);
            if (newTop > oldTop)
            {
                if (Sys.Mmap(p.Task, oldTop, newTop - oldTop, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED_NOREPLACE, -1, 0) < 0)
                {
                    FillHoles(p, oldTop, newTop - oldTop);
                }
            }
            else
            {
                Sys.Munmap(p.Task, newTop, oldTop - newTop);
            }

            m.End(Kernel, mm, null, p.Tally, advice: false);
        }

        if (end >= p.BrkStart)
        {
            p.BrkEnd = end;
        }

        p.Tally.NotJudged(Unjudged.Emulated);
    }

    /// <summary>
    /// mremap, emulated from the logged result (the simulated kernel has no mremap): shrinking
    /// unmaps the tail, growing in place maps the extension like the mapping's end, moving maps
    /// the new place like the old (protection, sharing, file and offset; not madvise flags) and
    /// unmaps the old unless MREMAP_DONTUNMAP. A failed mremap changes nothing.
    /// </summary>
    private void Mremap(ReplayProcess p, TraceEvent ev)
    {
        if (ev.Result != ResultKind.Value)
        {
            p.Tally.NotJudged(ev.Result == ResultKind.Error ? Unjudged.Emulated : Unjudged.NoResult);
            return;
        }

        ulong old = ev.Args[0], oldLen = PageSize.PageAlign(ev.Args[1]), newLen = PageSize.PageAlign(ev.Args[2]);
        var flags = (int)ev.Args[3];
        var to = (ulong)ev.Value;
        if (oldLen > 0 && MapHoles(p, old, oldLen))
        {
            p.Tally.NotJudged(Unjudged.ImplicitMapping);
        }
        else
        {
            p.Tally.NotJudged(Unjudged.Emulated);
        }

        var mm = p.Mm!;
        var m = new Measure(Kernel, mm, null);
        if (oldLen == 0)
        {
            // Duplicates a shared mapping.
            CopyMappings(p, old, to, newLen, extendLike: old);
        }
        else if (to == old)
        {
            if (newLen < oldLen)
            {
                Sys.Munmap(p.Task, old + newLen, oldLen - newLen);
            }
            else if (newLen > oldLen)
            {
                CopyMappings(p, old + oldLen, old + oldLen, newLen - oldLen, extendLike: old + oldLen - PageSize.PAGE_SIZE);
            }
        }
        else
        {
            var kept = Math.Min(oldLen, newLen);
            CopyMappings(p, old, to, kept, extendLike: old + kept - PageSize.PAGE_SIZE);
            if (newLen > oldLen)
            {
                CopyMappings(p, old + oldLen, to + oldLen, newLen - oldLen, extendLike: old + oldLen - PageSize.PAGE_SIZE);
            }

            if ((flags & MremapFlags.MREMAP_DONTUNMAP) == 0)
            {
                Sys.Munmap(p.Task, old, oldLen);
            }
        }

        m.End(Kernel, mm, null, p.Tally, advice: false);
    }

    /// <summary>
    /// Maps [<paramref name="to"/>, +<paramref name="length"/>) like [<paramref name="from"/>, …):
    /// each source VMA's protection, sharing, file and offset; where the source has no VMA (an
    /// extension), like the VMA at <paramref name="extendLike"/>.
    /// </summary>
    private void CopyMappings(ReplayProcess p, ulong from, ulong to, ulong length, ulong extendLike)
    {
        var mm = p.Mm!;
        ulong done = 0;
        while (done < length)
        {
            var vma = mm.FindVmaUnlocked(from + done);
            ulong pieceStart = from + done, pieceEnd;
            Vma? like;
            if (vma is not null && vma.Start <= pieceStart)
            {
                like = vma;
                pieceEnd = Math.Min(vma.End, from + length);
            }
            else
            {
                like = mm.FindVmaUnlocked(extendLike) is { } e && e.Start <= extendLike ? e : null;
                pieceEnd = vma is null ? from + length : Math.Min(vma.Start, from + length);
            }

            var f = like?.Flags ?? (VmFlags.VM_READ | VmFlags.VM_WRITE);
            var prot = ((f & VmFlags.VM_READ) != 0 ? Prot.PROT_READ : 0) | ((f & VmFlags.VM_WRITE) != 0 ? Prot.PROT_WRITE : 0) | ((f & VmFlags.VM_EXEC) != 0 ? Prot.PROT_EXEC : 0);
            var flags = MapFlags.MAP_FIXED | ((f & VmFlags.VM_MAYSHARE) != 0 ? MapFlags.MAP_SHARED : MapFlags.MAP_PRIVATE);
            ulong offset = 0;
            if (like?.File is null)
            {
                flags |= MapFlags.MAP_ANONYMOUS;
            }
            else
            {
                offset = (like.PgOff << PageSize.PAGE_SHIFT) + (pieceStart - like.Start);
            }

            MapWithFile(p, to + done, pieceEnd - pieceStart, prot, flags, like?.File, offset);
            done = pieceEnd - from;
        }
    }

    /// <summary>
    /// Memory a call finds unmapped although the program's kernel had it mapped (the log says
    /// the call succeeded): made anonymous and read-write, counted as implicit mappings.
    /// </summary>
    /// <returns>True when a hole was found (the call is then not judged).</returns>
    private bool MapHoles(ReplayProcess p, ulong addr, ulong length)
    {
        var start = addr & PageSize.PAGE_MASK;
        var end = PageSize.PageAlign(addr + length);
        if (length == 0 || end <= start || end > PageSize.TASK_SIZE || start < Kernel.Config.MmapMinAddr)
        {
            return false;
        }

        var created = FillHoles(p, start, end - start);
        if (created == 0)
        {
            return false;
        }

        p.Tally.ImplicitMappings += created;
        return true;
    }

    /// <summary>Maps every unmapped page of the range anonymous read-write (not measured).</summary>
    /// <returns>Holes filled.</returns>
    private int FillHoles(ReplayProcess p, ulong start, ulong length)
    {
        var mm = p.Mm!;
        var end = start + length;
        var cur = start;
        var holes = 0;
        while (cur < end)
        {
            var vma = mm.FindVmaUnlocked(cur);
            var holeEnd = vma is null ? end : Math.Min(vma.Start, end);
            if (holeEnd > cur)
            {
                const int flags = MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED_NOREPLACE;
                if (Sys.Mmap(p.Task, cur, holeEnd - cur, Prot.PROT_READ | Prot.PROT_WRITE, flags, -1, 0) >= 0)
                {
                    holes++;
                    p.Tally.ImplicitBytes += (long)(holeEnd - cur);
                }
            }

            if (vma is null)
            {
                break;
            }

            cur = Math.Max(holeEnd, vma.End);
        }

        return holes;
    }

    /// <summary>
    /// Writes one byte to every page of the writable VMAs in the range (see
    /// <see cref="ReplayOptions.Touch"/>), unless that would go beyond the memory bound.
    /// </summary>
    private void Touch(ReplayProcess p, ulong addr, ulong length)
    {
        var start = addr & PageSize.PAGE_MASK;
        var end = PageSize.PageAlign(addr + length);
        if (!_options.Touch || end <= start || end > PageSize.TASK_SIZE || !WithinMemoryBound(end - start))
        {
            return;
        }

        var mm = p.Mm!;
        var cur = start;
        while (cur < end)
        {
            var vma = mm.FindVmaUnlocked(cur);
            if (vma is null || vma.Start >= end)
            {
                return;
            }

            var from = Math.Max(cur, vma.Start);
            var to = Math.Min(end, vma.End);
            if ((vma.Flags & VmFlags.VM_WRITE) != 0)
            {
                for (var page = from; page < to; page += PageSize.PAGE_SIZE)
                {
                    if (mm.FillUser(page, 1, 0x5a) == 1)
                    {
                        p.Tally.TouchedPages++;
                    }
                }
            }

            cur = to;
        }
    }
}
