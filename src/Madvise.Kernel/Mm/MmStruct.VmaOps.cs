using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: mm/vma.c — inserting, removing, splitting and merging VMAs.
// Every method here requires the mmap write lock.
public sealed partial class MmStruct
{
    /// <summary>Flags that never prevent a merge (VM_SOFTDIRTY; the sticky guard bit, which merging unions).</summary>
    private const VmFlags IgnoredForMerge = VmFlags.VM_SOFTDIRTY | VmFlags.VM_GUARD_INSTALLED;

    /// <summary>Adds a VMA to the tree and to its file's mapping list. Precondition: mmap write lock.</summary>
    internal void InsertVma(Vma vma)
    {
        Vmas.Insert(vma);
        vma.File?.Inode.AddMapping(vma);
    }

    /// <summary>Removes a VMA from the tree (vma_mark_detached); lock-free readers then fail on it.</summary>
    internal void RemoveVma(Vma vma)
    {
        vma.Lock.StartWrite();
        Vmas.Remove(vma);
        vma.File?.Inode.RemoveMapping(vma);
        vma.Lock.MarkDetached();
    }

    /// <summary>
    /// split_vma(): splits <paramref name="vma"/> at <paramref name="addr"/>. The original keeps
    /// [Start, addr); a new VMA <paramref name="upper"/> covers [addr, End).
    /// </summary>
    /// <returns>0, or -ENOMEM when the split would exceed vm.max_map_count.</returns>
    internal long SplitVma(Vma vma, ulong addr, out Vma? upper)
    {
        MmapLock.AssertWriteLocked();
        if (Vmas.Count >= Kernel.Config.MaxMapCount)
        {
            upper = null;
            return -Errno.ENOMEM;
        }

        upper = SplitVmaUnchecked(vma, addr);
        return 0;
    }

    /// <summary>
    /// __split_vma(): <see cref="SplitVma"/> without the vm.max_map_count test, for munmap, which
    /// may go one VMA above the limit while it works (the unmap brings the count back).
    /// </summary>
    /// <returns>The new VMA covering [addr, End).</returns>
    internal Vma SplitVmaUnchecked(Vma vma, ulong addr)
    {
        MmapLock.AssertWriteLocked();
        if (addr <= vma.Start || addr >= vma.End || !PageSize.IsAligned(addr))
        {
            throw new InvalidOperationException($"split of {vma} at {addr:x} is not inside it");
        }

        vma.Lock.StartWrite();

        // vma_adjust_trans_huge(): a huge entry never spans two VMAs.
        VmaAdjustTransHuge(vma, addr);
        var upper = new Vma(this, addr, vma.End, vma.Flags, vma.File, vma.PgOff + ((addr - vma.Start) >> PageSize.PAGE_SHIFT))
        {
            AnonVma = vma.AnonVma,
            HasUncowedParents = vma.HasUncowedParents,
        };
        vma.End = addr;
        InsertVma(upper);
        return upper;
    }

    /// <summary>
    /// vma_modify_flags(): makes [start, end) of <paramref name="vma"/> a VMA of its own with
    /// <paramref name="newFlags"/>, merging with a neighbour when Linux would, else splitting.
    /// </summary>
    /// <returns>The VMA that now covers exactly... at least [start, end) with the new flags, or null with <paramref name="error"/> (-ENOMEM).</returns>
    internal Vma? VmaModifyFlags(Vma vma, ulong start, ulong end, VmFlags newFlags, out long error)
    {
        MmapLock.AssertWriteLocked();
        error = 0;
        var merged = MergeExistingRange(vma, start, end, newFlags);
        if (merged is not null)
        {
            return merged;
        }

        if (vma.Start < start)
        {
            error = SplitVma(vma, start, out var upper);
            if (error != 0)
            {
                return null;
            }

            vma = upper!;
        }

        if (vma.End > end)
        {
            error = SplitVma(vma, end, out _);
            if (error != 0)
            {
                return null;
            }
        }

        vma.Lock.StartWrite();
        vma.Flags = newFlags | (vma.Flags & VmFlags.VM_GUARD_INSTALLED);
        return vma;
    }

    /// <summary>
    /// vma_merge_existing_range(): tries to give [start, end) of <paramref name="middle"/> the flags
    /// <paramref name="newFlags"/> by merging it into its previous and/or next neighbour.
    /// </summary>
    /// <returns>The merged VMA, or null when no merge applies.</returns>
    private Vma? MergeExistingRange(Vma middle, ulong start, ulong end, VmFlags newFlags)
    {
        var leftSide = start == middle.Start;
        var rightSide = end == middle.End;
        if ((newFlags & VmFlags.VM_SPECIAL) != 0 || (!leftSide && !rightSide))
        {
            return null;
        }

        var pgoff = middle.PgOff + ((start - middle.Start) >> PageSize.PAGE_SHIFT);
        var pglen = (end - start) >> PageSize.PAGE_SHIFT;
        var prev = leftSide ? Vmas.Prev(middle.Start) : null;
        var next = rightSide ? Vmas.NextAfter(middle.End) : null;

        var mergeLeft = prev is not null && prev.End == start
            && IsMergeable(prev, newFlags, middle.File)
            && IsMergeableAnon(prev, middle.AnonVma, middle)
            && prev.PgOff + prev.Pages == pgoff;
        var mergeRight = next is not null && next.Start == end
            && IsMergeable(next, newFlags, middle.File)
            && IsMergeableAnon(next, middle.AnonVma, middle)
            && next.PgOff == pgoff + pglen
            && (!mergeLeft || prev!.AnonVma is null || next.AnonVma is null || prev.AnonVma == next.AnonVma);

        if (!mergeLeft && !mergeRight)
        {
            return null;
        }

        var sticky = middle.Flags & VmFlags.VM_GUARD_INSTALLED;
        middle.Lock.StartWrite();
        if (mergeLeft && mergeRight)
        {
            // prev absorbs middle and next.
            prev!.Lock.StartWrite();
            next!.Lock.StartWrite();
            prev.AnonVma ??= next.AnonVma ?? middle.AnonVma;
            var nextEnd = next.End;
            var nextSticky = next.Flags & VmFlags.VM_GUARD_INSTALLED;
            RemoveVma(next);
            RemoveVma(middle);
            prev.End = nextEnd;
            prev.Flags |= sticky | nextSticky;
            return prev;
        }

        if (mergeLeft)
        {
            prev!.Lock.StartWrite();
            prev.AnonVma ??= middle.AnonVma;
            if (rightSide)
            {
                RemoveVma(middle);
            }
            else
            {
                // middle keeps [end, End): its Start moves, so it re-enters the tree; a huge
                // entry across the new boundary is split (vma_adjust_trans_huge()).
                VmaAdjustTransHuge(middle, end);
                Vmas.Remove(middle);
                middle.PgOff += (end - middle.Start) >> PageSize.PAGE_SHIFT;
                middle.Start = end;
                Vmas.Insert(middle);
            }

            prev.End = end;
            prev.Flags |= sticky;
            return prev;
        }

        // mergeRight: next grows down to start.
        next!.Lock.StartWrite();
        next.AnonVma ??= middle.AnonVma;
        if (leftSide)
        {
            RemoveVma(middle);
        }
        else
        {
            VmaAdjustTransHuge(middle, start);
            middle.End = start;
        }

        Vmas.Remove(next);
        next.Start = start;
        next.PgOff = pgoff;
        Vmas.Insert(next);
        next.Flags |= sticky;
        return next;
    }

    /// <summary>
    /// vma_merge_new_range(): for a new mapping [start, end), extends an adjacent compatible VMA
    /// (or joins the two around it) instead of creating a VMA.
    /// </summary>
    /// <returns>The VMA that now covers [start, end), or null.</returns>
    internal Vma? MergeNewRange(ulong start, ulong end, VmFlags flags, OpenFile? file, ulong pgoff)
    {
        if ((flags & VmFlags.VM_SPECIAL) != 0)
        {
            return null;
        }

        var pglen = (end - start) >> PageSize.PAGE_SHIFT;
        var prev = Vmas.Prev(start);
        var next = Vmas.NextAfter(start);
        var mergeLeft = prev is not null && prev.End == start
            && IsMergeable(prev, flags, file)
            && IsMergeableAnon(prev, null, null)
            && prev.PgOff + prev.Pages == pgoff;
        var mergeRight = next is not null && next.Start == end
            && IsMergeable(next, flags, file)
            && IsMergeableAnon(next, null, null)
            && next.PgOff == pgoff + pglen
            && (!mergeLeft || prev!.AnonVma is null || next.AnonVma is null || prev.AnonVma == next.AnonVma);

        if (mergeLeft && mergeRight)
        {
            prev!.Lock.StartWrite();
            next!.Lock.StartWrite();
            prev.AnonVma ??= next.AnonVma;
            var nextEnd = next.End;
            var sticky = next.Flags & VmFlags.VM_GUARD_INSTALLED;
            RemoveVma(next);
            prev.End = nextEnd;
            prev.Flags |= sticky;
            return prev;
        }

        if (mergeLeft)
        {
            prev!.Lock.StartWrite();
            prev.End = end;
            return prev;
        }

        if (mergeRight)
        {
            next!.Lock.StartWrite();
            Vmas.Remove(next);
            next.Start = start;
            next.PgOff = pgoff;
            Vmas.Insert(next);
            return next;
        }

        return null;
    }

    /// <summary>is_mergeable_vma(): same flags (ignoring soft-dirty and the sticky guard bit) and the same file.</summary>
    private static bool IsMergeable(Vma neighbour, VmFlags flags, OpenFile? file) =>
        ((neighbour.Flags ^ flags) & ~IgnoredForMerge) == 0 && ReferenceEquals(neighbour.File, file);

    /// <summary>
    /// is_mergeable_anon_vma(): the anonymous origins are the same, or one side has none and the
    /// side that has one was not inherited through fork.
    /// </summary>
    private static bool IsMergeableAnon(Vma target, AnonVma? sourceAnon, Vma? source)
    {
        var targetAnon = target.AnonVma;
        if (targetAnon is null && sourceAnon is not null)
        {
            return source is null || !source.HasUncowedParents;
        }

        if (targetAnon is not null && sourceAnon is null)
        {
            return !target.HasUncowedParents;
        }

        return targetAnon == sourceAnon;
    }
}
