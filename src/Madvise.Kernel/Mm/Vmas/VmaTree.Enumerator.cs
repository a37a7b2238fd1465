namespace Madvise.Kernel.Mm.Vmas;

public sealed partial class VmaTree<T>
{
    /// <summary>
    /// An in-order walk of one frozen version. A struct with its stack inline: a walk allocates
    /// nothing, each step costs O(1) amortised, and modifications of the tree during the walk
    /// do not affect it. Use it with <c>foreach</c>; copies walk independently.
    /// </summary>
    public struct Enumerator
    {
        /// <summary>The nodes still to visit whose left subtrees have been visited (or are being walked); the top is next.</summary>
        private NodeStack _stack;

        /// <summary>The number of nodes on <see cref="_stack"/>.</summary>
        private int _depth;

        /// <summary>The item <see cref="MoveNext"/> last reached; null before the first step and after the last.</summary>
        private T? _current;

        /// <summary>Starts a walk of the whole version under <paramref name="root"/>.</summary>
        internal Enumerator(Node? root) => PushLeftSpine(root);

        /// <summary>Starts a walk at the lowest item whose End is above <paramref name="addr"/>.</summary>
        internal Enumerator(Node? root, ulong addr)
        {
            // The same descent as VmaTreeSnapshot.FindNode, keeping every node where the search
            // turned left: exactly the nodes that follow the answer in order and are not in the
            // right subtree of a node already on the stack.
            var node = root;
            while (node is not null)
            {
                if (node.Start > addr)
                {
                    Push(node);
                    node = node.Left;
                }
                else if (node.Item.End > addr)
                {
                    Push(node);
                    return;
                }
                else
                {
                    node = node.Right;
                }
            }
        }

        /// <summary>The item reached by the last successful <see cref="MoveNext"/>.</summary>
        public readonly T Current => _current!;

        /// <summary>Steps to the next item in address order; false when the walk is over.</summary>
        public bool MoveNext()
        {
            if (_depth == 0)
            {
                _current = null;
                return false;
            }

            var node = _stack[--_depth];
            _current = node.Item;
            PushLeftSpine(node.Right);
            return true;
        }

        /// <summary>Pushes <paramref name="node"/> and every left descendant on the way down to its minimum.</summary>
        private void PushLeftSpine(Node? node)
        {
            while (node is not null)
            {
                Push(node);
                node = node.Left;
            }
        }

        /// <summary>Pushes one node; the AVL height bound keeps the stack within <see cref="MaxHeight"/>.</summary>
        private void Push(Node node) => _stack[_depth++] = node;
    }

    /// <summary>
    /// The items of one frozen version from a given address on, for <c>foreach</c>:
    /// <c>foreach (var vma in tree.From(start))</c>, Linux's <c>for_each_vma_range()</c> without the end bound.
    /// </summary>
    public readonly struct RangeEnumerable
    {
        /// <summary>The version walked.</summary>
        private readonly Node? _root;

        /// <summary>The walk starts at the lowest item whose End is above this address.</summary>
        private readonly ulong _addr;

        /// <summary>Captures a version and a start address.</summary>
        internal RangeEnumerable(Node? root, ulong addr)
        {
            _root = root;
            _addr = addr;
        }

        /// <summary>Starts the walk.</summary>
        public Enumerator GetEnumerator() => new(_root, _addr);
    }
}
