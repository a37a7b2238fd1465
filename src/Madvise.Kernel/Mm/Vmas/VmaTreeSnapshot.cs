namespace Madvise.Kernel.Mm.Vmas;

/// <summary>
/// One frozen version of a <see cref="VmaTree{T}"/>. Any thread may search or walk it without a
/// lock while the writer goes on modifying the tree: the nodes it reaches are immutable.
/// <c>default</c> is the empty version. Copying it copies one reference.
/// </summary>
/// <remarks>
/// The snapshot freezes the set of items and their Starts, not the items themselves: End is
/// read live (see <see cref="VmaTree{T}"/>), so a reader racing with a writer that moves an End
/// must revalidate what it finds.
/// </remarks>
/// <typeparam name="T">The range type.</typeparam>
public readonly partial struct VmaTreeSnapshot<T>
    where T : class, IAddressRange
{
    /// <summary>The root of this version; null when empty. Nothing under it ever changes.</summary>
    private readonly VmaTree<T>.Node? _root;

    /// <summary>Wraps a published root.</summary>
    internal VmaTreeSnapshot(VmaTree<T>.Node? root) => _root = root;

    /// <summary>The number of items in this version.</summary>
    public int Count => VmaTree<T>.Node.SizeOf(_root);

    /// <summary>True when this version holds no item.</summary>
    public bool IsEmpty => _root is null;

    /// <inheritdoc cref="VmaTree{T}.Find"/>
    public T? Find(ulong addr) => FindNode(addr)?.Item;

    /// <inheritdoc cref="VmaTree{T}.FindContaining"/>
    public T? FindContaining(ulong addr)
    {
        var node = _root;
        while (node is not null)
        {
            if (addr < node.Start)
            {
                node = node.Left;
                continue;
            }

            var item = node.Item;
            if (addr < item.End)
            {
                return item;
            }

            node = node.Right;
        }

        return null;
    }

    /// <inheritdoc cref="VmaTree{T}.FindIntersection"/>
    public T? FindIntersection(ulong start, ulong end)
    {
        // Linux's find_vma_intersection() asks the maple tree for [start, end - 1], which finds
        // nothing when end <= start; without this check an item containing start would be returned.
        if (end <= start)
        {
            return null;
        }

        var node = FindNode(start);
        return node is not null && node.Start < end ? node.Item : null;
    }

    /// <inheritdoc cref="VmaTree{T}.Prev"/>
    public T? Prev(ulong addr)
    {
        VmaTree<T>.Node? best = null;
        var node = _root;
        while (node is not null)
        {
            if (node.Start < addr)
            {
                best = node;
                node = node.Right;
            }
            else
            {
                node = node.Left;
            }
        }

        return best?.Item;
    }

    /// <inheritdoc cref="VmaTree{T}.NextAfter"/>
    public T? NextAfter(ulong addr)
    {
        VmaTree<T>.Node? best = null;
        var node = _root;
        while (node is not null)
        {
            if (node.Start >= addr)
            {
                best = node;
                node = node.Left;
            }
            else
            {
                node = node.Right;
            }
        }

        return best?.Item;
    }

    /// <summary>Walks this version in address order.</summary>
    public VmaTree<T>.Enumerator GetEnumerator() => new(_root);

    /// <summary>Walks this version in address order from <see cref="Find"/>(<paramref name="addr"/>) to the last item.</summary>
    public VmaTree<T>.RangeEnumerable From(ulong addr) => new(_root, addr);

    /// <summary>The node holding the lowest item whose End is above <paramref name="addr"/>.</summary>
    private VmaTree<T>.Node? FindNode(ulong addr)
    {
        VmaTree<T>.Node? best = null;
        var node = _root;
        while (node is not null)
        {
            // A node starting above addr also ends above it; only nodes at or below addr need
            // their item's End, and one that ends above addr contains it, so nothing lower can.
            if (node.Start > addr)
            {
                best = node;
                node = node.Left;
            }
            else if (node.Item.End > addr)
            {
                return node;
            }
            else
            {
                node = node.Right;
            }
        }

        return best;
    }
}
