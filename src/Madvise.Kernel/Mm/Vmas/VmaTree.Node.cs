namespace Madvise.Kernel.Mm.Vmas;

public sealed partial class VmaTree<T>
{
    /// <summary>
    /// An immutable AVL node. Immutability is what lets readers walk a version without a lock
    /// while the writer builds the next one: a published node never changes.
    /// </summary>
    internal sealed class Node
    {
        /// <summary>The item's Start, cached at insertion so that searches by Start need not touch the item.</summary>
        internal readonly ulong Start;

        /// <summary>The range stored here.</summary>
        internal readonly T Item;

        /// <summary>The subtree of items below <see cref="Start"/>; null if none.</summary>
        internal readonly Node? Left;

        /// <summary>The subtree of items above <see cref="Start"/>; null if none.</summary>
        internal readonly Node? Right;

        /// <summary>Nodes on the longest path from here down to a leaf, counting this one (a leaf has height 1).</summary>
        internal readonly int Height;

        /// <summary>Items in this subtree, so that the root gives the count without a walk.</summary>
        internal readonly int Size;

        /// <summary>Builds a node over two subtrees whose heights differ by at most one.</summary>
        internal Node(ulong start, T item, Node? left, Node? right)
        {
            Start = start;
            Item = item;
            Left = left;
            Right = right;
            var hl = HeightOf(left);
            var hr = HeightOf(right);
            Height = 1 + (hl > hr ? hl : hr);
            Size = 1 + SizeOf(left) + SizeOf(right);
        }

        /// <summary>The height of a possibly empty subtree.</summary>
        internal static int HeightOf(Node? node) => node is null ? 0 : node.Height;

        /// <summary>The item count of a possibly empty subtree.</summary>
        internal static int SizeOf(Node? node) => node is null ? 0 : node.Size;
    }
}
