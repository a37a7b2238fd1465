namespace Madvise.Kernel.Fs;

/// <summary>
/// The page cache of one inode (Linux: <c>struct address_space</c>'s i_pages): page index → frame.
/// </summary>
/// <remarks>
/// Each cached frame holds one reference owned by the cache. <see cref="Lock"/> protects the
/// table and the inode's backing store; lock order: page-cache lock → page-table lock (a hole
/// punch unmaps pages while holding it), so a page-table lock holder never takes it.
/// </remarks>
internal sealed class PageCache
{
    /// <summary>Protects <see cref="_pages"/> and the owning inode's backing store.</summary>
    public readonly Lock Lock = new();

    /// <summary>Cached pages. Protected by <see cref="Lock"/>.</summary>
    private readonly Dictionary<ulong, int> _pages = [];

    public PageCache(Inode inode) => Inode = inode;

    /// <summary>The inode this cache belongs to.</summary>
    public Inode Inode { get; }

    /// <summary>Number of cached pages. Precondition: <see cref="Lock"/> is held.</summary>
    public int CountLocked => _pages.Count;

    /// <summary>Looks a page up. Precondition: <see cref="Lock"/> is held.</summary>
    public bool TryGetLocked(ulong index, out int pfn) => _pages.TryGetValue(index, out pfn);

    /// <summary>Adds a page. Precondition: <see cref="Lock"/> is held and the index is absent.</summary>
    public void AddLocked(ulong index, int pfn) => _pages.Add(index, pfn);

    /// <summary>
    /// Removes a page. A page of a PMD-sized folio takes the folio apart: the others stay cached
    /// as single pages (Linux splits the folio first). Precondition: <see cref="Lock"/> is held.
    /// </summary>
    public bool RemoveLocked(ulong index)
    {
        var headIndex = index & ~(ulong)(Mm.Huge.HugePage.Pages - 1);
        if (_pages.TryGetValue(headIndex, out var head))
        {
            ref var frame = ref Inode.Memory.Frame(head);
            if (frame.Has(Mm.Physical.PageFlags.LargeHead))
            {
                Interlocked.And(ref frame.Flags, ~(int)Mm.Physical.PageFlags.LargeHead);
            }
        }

        return _pages.Remove(index);
    }

    /// <summary>Every cached (index, pfn). Precondition: <see cref="Lock"/> is held.</summary>
    public Dictionary<ulong, int>.Enumerator GetEnumeratorLocked() => _pages.GetEnumerator();

    /// <summary>True when page <paramref name="index"/> is cached (mincore).</summary>
    public bool Contains(ulong index)
    {
        lock (Lock)
        {
            return _pages.ContainsKey(index);
        }
    }
}
