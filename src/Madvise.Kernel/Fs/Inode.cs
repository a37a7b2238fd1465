using Madvise.Abi;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Reclaim;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Fs;

/// <summary>
/// A file (Linux: <c>struct inode</c>): a regular file whose contents live on a simulated
/// disk, or a shmem file (tmpfs, memfd, shared anonymous memory) whose only copy is its page
/// cache.
/// </summary>
/// <remarks>
/// <para>Disk model of a regular file: every byte below <see cref="Size"/> is <c>fill</c>
/// unless the page was written back (<see cref="_stored"/>) or punched (<see cref="_holes"/>,
/// reads as zeros). Bytes of the last page beyond Size read as zeros. The disk store is
/// protected by the page cache's lock.</para>
/// <para><see cref="_mappingsLock"/> (Linux: i_mmap_rwsem, a leaf lock here) protects the list
/// of VMAs that map the file, used to unmap a page from every process (hole punch), and the
/// references that keep the file alive.</para>
/// <para>Lifetime: every file of the model is unlinked (the scenario <c>file</c> step unlinks
/// it; memfds and the shmem file behind shared anonymous memory have no name), so it lives as
/// long as something refers to it: an open descriptor in any task's table, a system call that
/// holds it (Linux's fget()/get_file(): mmap while it creates the mapping, WILLNEED and REMOVE
/// while they work with the mmap_lock dropped), or a VMA that maps it. When the last goes, its
/// page cache is freed (Linux: fput → iput_final → evict → truncate_inode_pages); taking a
/// reference after that is a kernel bug (an exception), never a user error.</para>
/// </remarks>
public sealed class Inode
{
    /// <summary>The byte every never-written page of a regular file holds.</summary>
    private readonly byte _fill;

    /// <summary>Pages written back to the disk. Protected by the page cache lock.</summary>
    private readonly Dictionary<ulong, byte[]> _stored = [];

    /// <summary>Punched pages (read as zeros). Protected by the page cache lock.</summary>
    private readonly HashSet<ulong> _holes = [];

    /// <summary>
    /// shmem pages swapped out by reclaim: page index → swap slot (Linux: a swap entry in the
    /// page cache's xarray; info->swapped counts them). Protected by the page cache lock.
    /// </summary>
    private readonly Dictionary<ulong, int> _swapped = [];

    /// <summary>VMAs mapping this file (i_mmap). Protected by <see cref="_mappingsLock"/>.</summary>
    private readonly List<Vma> _mappings = [];

    /// <summary>Protects <see cref="_mappings"/>, <see cref="_references"/> and <see cref="_evicted"/>. Leaf lock (<see cref="LockClass.InodeMappings"/>); released before the page cache lock is taken to drop the cache.</summary>
    private readonly KernelLock _mappingsLock = new(LockClass.InodeMappings);

    /// <summary>The frames the page cache holds are returned here when the file goes.</summary>
    private readonly PhysicalMemory _memory;

    /// <summary>References other than mappings: descriptors in any task's table and system calls in flight (<see cref="Get"/>). Protected by <see cref="_mappingsLock"/>.</summary>
    private int _references;

    /// <summary>Set once the last reference went and the page cache was freed. Protected by <see cref="_mappingsLock"/>.</summary>
    private bool _evicted;

    internal Inode(PhysicalMemory memory, SwapArea? swap, long ino, ulong size, byte fill, bool isShmem, uint ownerUid)
    {
        _memory = memory;
        Swap = swap;
        Ino = ino;
        Size = size;
        _fill = fill;
        IsShmem = isShmem;
        OwnerUid = ownerUid;
        Cache = new PageCache(this);
    }

    /// <summary>
    /// inode_owner_or_capable() || inode_permission(MAY_WRITE), the test that gates page-cache
    /// information (mincore) and file pageout for a caller with <paramref name="cred"/>. A
    /// regular file of the model has mode 0600 and belongs to its creator (as mkstemp makes it),
    /// so its owner, CAP_FOWNER or CAP_DAC_OVERRIDE passes; shmem inodes (memfd, shared
    /// anonymous memory) have mode 0777, so every caller passes.
    /// </summary>
    internal bool OwnerOrMayWrite(Credentials cred) =>
        IsShmem || cred.Uid == OwnerUid || cred.Has(Capability.CAP_FOWNER) || cred.Has(Capability.CAP_DAC_OVERRIDE);

    /// <summary>Inode number.</summary>
    public long Ino { get; }

    /// <summary>File size in bytes.</summary>
    public ulong Size { get; }

    /// <summary>tmpfs/shmem (memfd, shared anonymous memory): no disk behind the page cache.</summary>
    public bool IsShmem { get; }

    /// <summary>Owner uid (inode_owner_or_capable).</summary>
    public uint OwnerUid { get; }

    /// <summary>Number of pages that hold file data: ceil(Size / 4096), without wrapping for sizes near 2^64.</summary>
    public ulong PageCount => (Size >> PageSize.PAGE_SHIFT) + ((Size & (PageSize.PAGE_SIZE - 1)) != 0 ? 1UL : 0UL);

    /// <summary>The page cache.</summary>
    internal PageCache Cache { get; }

    /// <summary>The machine whose frames the page cache holds.</summary>
    internal PhysicalMemory Memory => _memory;

    /// <summary>The swap device shmem pages go to under reclaim; null without swap.</summary>
    internal SwapArea? Swap { get; }

    /// <summary>shmem pages currently swapped out (info->swapped). Precondition: the page cache lock is held.</summary>
    internal int SwappedCountLocked => _swapped.Count;

    /// <summary>Records that shmem page <paramref name="index"/> left the page cache for swap slot <paramref name="slot"/>. Precondition: the page cache lock is held.</summary>
    internal void SetSwappedLocked(ulong index, int slot) => _swapped.Add(index, slot);

    /// <summary>Takes the swap slot of shmem page <paramref name="index"/> out of the record (it is being read back or dropped); -1 when it is not swapped out. Precondition: the page cache lock is held.</summary>
    internal int TakeSwappedLocked(ulong index) => _swapped.Remove(index, out var slot) ? slot : -1;

    /// <summary>True when shmem page <paramref name="index"/> is swapped out. Precondition: the page cache lock is held.</summary>
    internal bool IsSwappedLocked(ulong index) => _swapped.ContainsKey(index);

    /// <summary>The swap slot holding shmem page <paramref name="index"/>, or -1 when it is not swapped out. Precondition: the page cache lock is held.</summary>
    internal int SwapSlotLocked(ulong index) => _swapped.TryGetValue(index, out var slot) ? slot : -1;

    /// <summary>A copy of the indices of the swapped-out shmem pages. Precondition: the page cache lock is held.</summary>
    internal HashSet<ulong> SwappedIndicesLocked() => [.. _swapped.Keys];

    /// <summary>shmem_partial_swap_usage(): pages of [<paramref name="first"/>, <paramref name="end"/>) swapped out. Precondition: the page cache lock is held.</summary>
    internal long SwappedInRangeLocked(ulong first, ulong end)
    {
        if (_swapped.Count == 0)
        {
            return 0;
        }

        long n = 0;
        if ((ulong)_swapped.Count < end - first)
        {
            foreach (var index in _swapped.Keys)
            {
                if (index >= first && index < end)
                {
                    n++;
                }
            }

            return n;
        }

        for (var index = first; index < end; index++)
        {
            if (_swapped.ContainsKey(index))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Fills <paramref name="dst"/> (one page) with page <paramref name="index"/> as stored on disk. Precondition: the cache lock is held.</summary>
    internal void ReadStoreLocked(ulong index, Span<byte> dst)
    {
        if (IsShmem || _holes.Contains(index))
        {
            dst.Clear();
            return;
        }

        if (_stored.TryGetValue(index, out var data))
        {
            data.CopyTo(dst);
            return;
        }

        var start = index << PageSize.PAGE_SHIFT;
        var valid = start >= Size ? 0 : (int)Math.Min((ulong)dst.Length, Size - start);
        dst[..valid].Fill(_fill);
        dst[valid..].Clear();
    }

    /// <summary>Writes a page back to disk (regular files only). Precondition: the cache lock is held.</summary>
    internal void WriteBackLocked(ulong index, ReadOnlySpan<byte> src)
    {
        if (IsShmem)
        {
            return;
        }

        _holes.Remove(index);
        _stored[index] = src.ToArray();
    }

    /// <summary>
    /// The indices in [<paramref name="first"/>, <paramref name="end"/>) of a shmem file that hold
    /// a page (cached or swapped out), in order: all a hole punch has to remove there, however long
    /// the range (Linux: shmem_undo_range() looks up the entries present). Precondition: the cache
    /// lock is held.
    /// </summary>
    internal List<ulong> ShmemIndicesLocked(ulong first, ulong end)
    {
        var found = new List<ulong>();
        var pages = Cache.GetEnumeratorLocked();
        while (pages.MoveNext())
        {
            if (pages.Current.Key >= first && pages.Current.Key < end)
            {
                found.Add(pages.Current.Key);
            }
        }

        foreach (var index in _swapped.Keys)
        {
            if (index >= first && index < end)
            {
                found.Add(index);
            }
        }

        found.Sort();
        return found;
    }

    /// <summary>Records a punched page (reads as zeros). Precondition: the cache lock is held.</summary>
    internal void PunchLocked(ulong index)
    {
        _stored.Remove(index);
        if (!IsShmem)
        {
            // A shmem page that is neither cached nor swapped reads as zeros anyway.
            _holes.Add(index);
        }

        var slot = TakeSwappedLocked(index);
        if (slot >= 0)
        {
            Swap!.Free(slot);
        }
    }

    /// <summary>Registers a VMA that maps this file (a reference that keeps it alive).</summary>
    internal void AddMapping(Vma vma)
    {
        using (_mappingsLock.EnterScope())
        {
            ThrowIfEvictedLocked();
            _mappings.Add(vma);
        }
    }

    /// <summary>Unregisters a VMA; the file goes when that was its last reference.</summary>
    internal void RemoveMapping(Vma vma)
    {
        using (_mappingsLock.EnterScope())
        {
            _mappings.Remove(vma);
        }

        ReleaseIfUnused();
    }

    /// <summary>
    /// Takes a reference (Linux: get_file()): a descriptor installed in a task's table, or a system
    /// call that will use the file. Precondition: the caller already holds a reference, or
    /// reached the file under a lock that keeps one (the descriptor table's).
    /// </summary>
    internal void Get()
    {
        using (_mappingsLock.EnterScope())
        {
            ThrowIfEvictedLocked();
            _references++;
        }
    }

    /// <summary>Drops a reference taken by <see cref="Get"/> (Linux: fput()); the file goes when that was its last reference.</summary>
    internal void Put()
    {
        using (_mappingsLock.EnterScope())
        {
            if (--_references < 0)
            {
                _references = 0;
                throw new InvalidOperationException($"inode {Ino}: more references dropped than taken");
            }
        }

        ReleaseIfUnused();
    }

    /// <summary>
    /// Frees the page cache when no descriptor, system call or mapping refers to the file any more
    /// (also used when creating the file failed before anything referred to it).
    /// </summary>
    internal void ReleaseIfUnused()
    {
        using (_mappingsLock.EnterScope())
        {
            if (_evicted || _references != 0 || _mappings.Count != 0)
            {
                return;
            }

            _evicted = true;
        }

        // Nothing can reach the file now: no fault, read-ahead or hole punch can add a page.
        var pfns = new List<int>();
        using (Cache.Lock.EnterScope())
        {
            var pages = Cache.GetEnumeratorLocked();
            while (pages.MoveNext())
            {
                pfns.Add(pages.Current.Value);
            }

            foreach (var pfn in pfns)
            {
                Cache.RemoveLocked(_memory.Frame(pfn).Index);
            }

            _stored.Clear();
            _holes.Clear();
            foreach (var slot in _swapped.Values)
            {
                Swap!.Free(slot);
            }

            _swapped.Clear();
        }

        foreach (var pfn in pfns)
        {
            _memory.Put(pfn); // the page cache's reference
        }
    }

    private void ThrowIfEvictedLocked()
    {
        if (_evicted)
        {
            throw new InvalidOperationException($"inode {Ino} used after its last reference went");
        }
    }

    /// <summary>A snapshot of the VMAs that map this file.</summary>
    internal Vma[] MappingsSnapshot()
    {
        using (_mappingsLock.EnterScope())
        {
            return [.. _mappings];
        }
    }
}
