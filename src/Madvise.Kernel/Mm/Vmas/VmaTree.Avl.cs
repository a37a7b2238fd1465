namespace Madvise.Kernel.Mm.Vmas;

public sealed partial class VmaTree<T>
{
    // Persistent AVL operations. Each returns the root of a new version and leaves its input
    // untouched: it copies the nodes on the path it walks (plus at most two per rotation) and
    // shares every other subtree with the old version. Recursion depth is the tree height,
    // at most MaxHeight.

    /// <summary>A copy of <paramref name="node"/>'s subtree with <paramref name="item"/> added under a key not yet present.</summary>
    private static Node InsertNode(Node? node, ulong start, T item)
    {
        if (node is null)
        {
            return new Node(start, item, null, null);
        }

        return start < node.Start
            ? Balance(node.Start, node.Item, InsertNode(node.Left, start, item), node.Right)
            : Balance(node.Start, node.Item, node.Left, InsertNode(node.Right, start, item));
    }

    /// <summary>A copy of <paramref name="node"/>'s subtree without the item stored under <paramref name="start"/>, which must be present.</summary>
    private static Node? RemoveNode(Node node, ulong start)
    {
        if (start < node.Start)
        {
            return Balance(node.Start, node.Item, RemoveNode(node.Left!, start), node.Right);
        }

        if (start > node.Start)
        {
            return Balance(node.Start, node.Item, node.Left, RemoveNode(node.Right!, start));
        }

        if (node.Left is null)
        {
            return node.Right;
        }

        if (node.Right is null)
        {
            return node.Left;
        }

        // Two children: the in-order successor (the right subtree's minimum) takes this place.
        var right = RemoveMin(node.Right, out var successor);
        return Balance(successor.Start, successor.Item, node.Left, right);
    }

    /// <summary>A copy of <paramref name="node"/>'s subtree without its lowest node, which is returned in <paramref name="min"/>.</summary>
    private static Node? RemoveMin(Node node, out Node min)
    {
        if (node.Left is null)
        {
            min = node;
            return node.Right;
        }

        return Balance(node.Start, node.Item, RemoveMin(node.Left, out min), node.Right);
    }

    /// <summary>A copy of <paramref name="node"/>'s subtree with <paramref name="item"/> stored under <paramref name="start"/>, which must be present.</summary>
    private static Node ReplaceNode(Node node, ulong start, T item)
    {
        // The shape does not change, so no rebalancing: only the path is copied.
        if (start < node.Start)
        {
            return new Node(node.Start, node.Item, ReplaceNode(node.Left!, start, item), node.Right);
        }

        if (start > node.Start)
        {
            return new Node(node.Start, node.Item, node.Left, ReplaceNode(node.Right!, start, item));
        }

        return new Node(start, item, node.Left, node.Right);
    }

    /// <summary>
    /// A node holding (<paramref name="start"/>, <paramref name="item"/>) over two AVL subtrees
    /// whose heights differ by at most two (one insertion or removal below), rotated back into balance.
    /// </summary>
    private static Node Balance(ulong start, T item, Node? left, Node? right)
    {
        var hl = Node.HeightOf(left);
        var hr = Node.HeightOf(right);
        if (hl > hr + 1)
        {
            // hl >= 2, so left is not null.
            if (Node.HeightOf(left!.Left) >= Node.HeightOf(left.Right))
            {
                // Left-left: single right rotation.
                return new Node(left.Start, left.Item, left.Left, new Node(start, item, left.Right, right));
            }

            // Left-right: the left child's right child rises to the top.
            var pivot = left.Right!;
            return new Node(
                pivot.Start,
                pivot.Item,
                new Node(left.Start, left.Item, left.Left, pivot.Left),
                new Node(start, item, pivot.Right, right));
        }

        if (hr > hl + 1)
        {
            if (Node.HeightOf(right!.Right) >= Node.HeightOf(right.Left))
            {
                // Right-right: single left rotation.
                return new Node(right.Start, right.Item, new Node(start, item, left, right.Left), right.Right);
            }

            // Right-left: the right child's left child rises to the top.
            var pivot = right.Left!;
            return new Node(
                pivot.Start,
                pivot.Item,
                new Node(start, item, left, pivot.Left),
                new Node(right.Start, right.Item, pivot.Right, right.Right));
        }

        return new Node(start, item, left, right);
    }
}
