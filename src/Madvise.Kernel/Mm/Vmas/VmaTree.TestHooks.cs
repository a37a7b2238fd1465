namespace Madvise.Kernel.Mm.Vmas;

public sealed partial class VmaTree<T>
{
    /// <summary>The height of the current version (0 when empty), for tests of the AVL bound.</summary>
    internal int HeightForTests => Node.HeightOf(Volatile.Read(ref _root));
}
