namespace Madvise.Kernel.Mm.Vmas;

public sealed partial class VmaTree<T>
{
    /// <summary>Adds <paramref name="item"/> and publishes the new version.</summary>
    /// <remarks>Preconditions: the caller holds the mmap write lock (no other modification runs).</remarks>
    /// <exception cref="ArgumentException"><paramref name="item"/> is empty (End &lt;= Start).</exception>
    /// <exception cref="InvalidOperationException">
    /// <paramref name="item"/> overlaps an item already in the tree (a bug in the caller, which
    /// must unmap or split first), or the tree already holds <see cref="int.MaxValue"/> items.
    /// </exception>
    public void Insert(T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var start = item.Start;
        var end = item.End;
        if (end <= start)
        {
            throw new ArgumentException($"VmaTree.Insert: empty range {Describe(item)}.", nameof(item));
        }

        var root = _root;
        var snapshot = new VmaTreeSnapshot<T>(root);
        if (snapshot.FindIntersection(start, end) is { } clash)
        {
            throw new InvalidOperationException(
                $"VmaTree.Insert: {Describe(item)} overlaps {Describe(clash)}, already in the tree.");
        }

        // Node sizes are int, and the enumerator's fixed stack is sized for int.MaxValue items.
        if (Node.SizeOf(root) == int.MaxValue)
        {
            throw new InvalidOperationException("VmaTree.Insert: the tree is full (int.MaxValue items).");
        }

        Volatile.Write(ref _root, InsertNode(root, start, item));
    }

    /// <summary>Removes <paramref name="item"/> (compared by reference) and publishes the new version.</summary>
    /// <remarks>Preconditions: the caller holds the mmap write lock (no other modification runs).</remarks>
    /// <exception cref="InvalidOperationException"><paramref name="item"/> is not in the tree.</exception>
    public void Remove(T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var root = _root;
        var start = item.Start;
        RequireMember(root, start, item, "Remove");
        Volatile.Write(ref _root, RemoveNode(root!, start));
    }

    /// <summary>
    /// Puts <paramref name="newItem"/> in the place of <paramref name="oldItem"/>, which has the
    /// same Start, and publishes the new version. Readers see either the old or the new item,
    /// never neither: this is how a VMA is swapped for a modified copy (Linux: <c>vma_iter_store()</c>
    /// over an existing range).
    /// </summary>
    /// <remarks>Preconditions: the caller holds the mmap write lock (no other modification runs).</remarks>
    /// <exception cref="ArgumentException">The Starts differ, or <paramref name="newItem"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">
    /// <paramref name="oldItem"/> is not in the tree, or <paramref name="newItem"/> would overlap
    /// the next item.
    /// </exception>
    public void Replace(T oldItem, T newItem)
    {
        ArgumentNullException.ThrowIfNull(oldItem);
        ArgumentNullException.ThrowIfNull(newItem);
        var start = oldItem.Start;
        if (newItem.Start != start)
        {
            throw new ArgumentException(
                $"VmaTree.Replace: {Describe(newItem)} does not start where {Describe(oldItem)} does.", nameof(newItem));
        }

        var end = newItem.End;
        if (end <= start)
        {
            throw new ArgumentException($"VmaTree.Replace: empty range {Describe(newItem)}.", nameof(newItem));
        }

        var root = _root;
        RequireMember(root, start, oldItem, "Replace");

        // The previous item ends at or before Start, which is unchanged; only the next one can clash.
        // start + 1 cannot wrap: oldItem is non-empty, so start < oldItem.End <= ulong.MaxValue.
        if (new VmaTreeSnapshot<T>(root).NextAfter(start + 1) is { } next && next.Start < end)
        {
            throw new InvalidOperationException(
                $"VmaTree.Replace: {Describe(newItem)} overlaps {Describe(next)}, already in the tree.");
        }

        Volatile.Write(ref _root, ReplaceNode(root!, start, newItem));
    }

    /// <summary>Removes every item and publishes the empty version; existing snapshots keep theirs.</summary>
    /// <remarks>Preconditions: the caller holds the mmap write lock (no other modification runs).</remarks>
    public void Clear() => Volatile.Write(ref _root, null);

    /// <summary>Throws unless <paramref name="item"/> is the item stored under <paramref name="start"/>.</summary>
    private static void RequireMember(Node? root, ulong start, T item, string operation)
    {
        var node = root;
        while (node is not null && node.Start != start)
        {
            node = start < node.Start ? node.Left : node.Right;
        }

        if (node is null)
        {
            throw new InvalidOperationException(
                $"VmaTree.{operation}: {Describe(item)} is not in the tree (was its Start changed while it was?).");
        }

        if (!ReferenceEquals(node.Item, item))
        {
            throw new InvalidOperationException(
                $"VmaTree.{operation}: {Describe(item)} is not in the tree; another item, {Describe(node.Item)}, starts there.");
        }
    }
}
