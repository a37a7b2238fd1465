using System.Globalization;

namespace Madvise.Kernel.Mm.Vmas;

/// <summary>
/// The ordered set of a process's VMAs: a persistent (path-copying) AVL tree of disjoint
/// address ranges sorted by start address. It plays the role of Linux's maple tree
/// (<c>mm-&gt;mm_mt</c>): one writer modifies it under the mmap write lock, while readers may
/// search a <see cref="Snapshot"/> with no lock at all, as the per-VMA-lock path searches the
/// maple tree under RCU.
/// </summary>
/// <remarks>
/// <para>
/// Concurrency. The tree takes no lock. Every modification builds new nodes along one
/// root-to-leaf path and publishes the new root with a single volatile write; nodes are never
/// changed once published, so a reader holding an older root keeps a complete, consistent
/// version for as long as it likes, and the garbage collector frees old nodes when the last
/// reader lets go (RCU's grace period). Modifications must be serialised by the caller: the
/// caller holds the mmap write lock (Preconditions on <see cref="Insert"/>, <see cref="Remove"/>,
/// <see cref="Replace"/>, <see cref="Clear"/>). Two concurrent writers would not corrupt any
/// version, but one of them would silently lose its change.
/// </para>
/// <para>
/// Keys. The tree caches each item's <see cref="IAddressRange.Start"/> when the item is
/// inserted; the caller must not change an item's Start while it is in the tree (remove it,
/// change it, insert it again). <see cref="IAddressRange.End"/> may change in place (a VMA
/// growing or shrinking) as long as the items stay disjoint and non-empty: End-based queries
/// (<see cref="Find"/>, <see cref="FindContaining"/>, <see cref="FindIntersection"/>,
/// <see cref="From"/>) read item.End live and rely on the fact that disjoint ranges sorted by
/// Start are also sorted by End. A lock-free reader may therefore see an End that the writer
/// is changing; like Linux's lockless VMA lookup it must revalidate what it found (take the
/// VMA's lock, re-check the range) before acting on it.
/// </para>
/// <para>
/// Costs. n items: find, insert, remove and replace are O(log n); an in-order walk is O(1)
/// amortised per step. Queries and enumeration never allocate; a modification allocates only
/// the O(log n) nodes it copies.
/// </para>
/// <para>Invariants (checked by <see cref="Validate"/>): every item is non-empty; items are
/// pairwise disjoint; each node's cached Start equals its item's Start; in-order traversal is
/// sorted by Start; AVL balance, cached heights and subtree sizes are exact.</para>
/// </remarks>
/// <typeparam name="T">The range type, compared by reference for <see cref="Remove"/>.</typeparam>
public sealed partial class VmaTree<T>
    where T : class, IAddressRange
{
    /// <summary>
    /// The current version's root; null when empty. Written only by the (single) writer with
    /// <see cref="Volatile.Write{T}(ref T, T)"/>, read by anyone with <see cref="Volatile.Read{T}(ref readonly T)"/>,
    /// so that a reader that sees a root also sees the fully built nodes under it.
    /// </summary>
    private Node? _root;

    /// <summary>The number of items in the current version.</summary>
    public int Count => Snapshot.Count;

    /// <summary>
    /// The current version, frozen: later modifications of the tree do not affect it. Taking a
    /// snapshot costs one volatile read and allocates nothing.
    /// </summary>
    public VmaTreeSnapshot<T> Snapshot => new(Volatile.Read(ref _root));

    /// <summary>
    /// The lowest item whose End is above <paramref name="addr"/>: the item containing it, or
    /// else the first item after it; null when no item ends above it.
    /// </summary>
    /// <remarks>Linux: <c>find_vma()</c>.</remarks>
    public T? Find(ulong addr) => Snapshot.Find(addr);

    /// <summary>The item with Start &lt;= <paramref name="addr"/> &lt; End, or null.</summary>
    /// <remarks>Linux: <c>vma_lookup()</c>.</remarks>
    public T? FindContaining(ulong addr) => Snapshot.FindContaining(addr);

    /// <summary>
    /// The lowest item overlapping [<paramref name="start"/>, <paramref name="end"/>), or null;
    /// null as well when the interval is empty (<paramref name="end"/> &lt;= <paramref name="start"/>).
    /// </summary>
    /// <remarks>Linux: <c>find_vma_intersection()</c>.</remarks>
    public T? FindIntersection(ulong start, ulong end) => Snapshot.FindIntersection(start, end);

    /// <summary>The highest item whose Start is below <paramref name="addr"/>, or null.</summary>
    public T? Prev(ulong addr) => Snapshot.Prev(addr);

    /// <summary>The lowest item whose Start is at or above <paramref name="addr"/>, or null.</summary>
    public T? NextAfter(ulong addr) => Snapshot.NextAfter(addr);

    /// <summary>Walks the current version in address order; later modifications do not affect the walk.</summary>
    public Enumerator GetEnumerator() => Snapshot.GetEnumerator();

    /// <summary>
    /// Walks the current version in address order from <see cref="Find"/>(<paramref name="addr"/>)
    /// to the last item; later modifications do not affect the walk.
    /// </summary>
    public RangeEnumerable From(ulong addr) => Snapshot.From(addr);

    /// <summary>Checks every invariant of the current version and throws, naming the ranges involved, at the first broken one.</summary>
    /// <exception cref="InvalidOperationException">An invariant is broken: a bug in the tree or in its caller.</exception>
    public void Validate() => Snapshot.Validate();

    /// <summary>Formats a range as <c>[0x1000, 0x3000)</c> for exception messages.</summary>
    internal static string Describe(T item) =>
        string.Create(CultureInfo.InvariantCulture, $"[0x{item.Start:x}, 0x{item.End:x})");
}
