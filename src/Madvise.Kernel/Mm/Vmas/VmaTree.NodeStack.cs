using System.Runtime.CompilerServices;

namespace Madvise.Kernel.Mm.Vmas;

public sealed partial class VmaTree<T>
{
    /// <summary>
    /// The greatest height of an AVL tree of at most <see cref="int.MaxValue"/> nodes. The
    /// sparsest AVL tree of height h has N(h) = N(h-1) + N(h-2) + 1 nodes (N(1) = 1, N(2) = 2),
    /// that is Fibonacci(h + 2) - 1; N(44) = 1,836,311,902 fits in an int and N(45) does not.
    /// </summary>
    internal const int MaxHeight = 44;

    /// <summary>
    /// A fixed-size stack of nodes stored inline in an enumerator, so that walking the tree
    /// allocates nothing. A walk keeps at most one node per level, hence <see cref="MaxHeight"/> slots.
    /// </summary>
    [InlineArray(MaxHeight)]
    internal struct NodeStack
    {
        /// <summary>The first slot; the runtime lays out the others after it.</summary>
        private Node _element0;
    }
}
