namespace Madvise.Kernel.Mm.Vmas;

public readonly partial struct VmaTreeSnapshot<T>
{
    /// <inheritdoc cref="VmaTree{T}.Validate"/>
    public void Validate()
    {
        if (_root is null)
        {
            return;
        }

        VmaTree<T>.Node? previous = null;
        _ = ValidateSubtree(_root, ref previous);
    }

    /// <summary>
    /// Checks the subtree under <paramref name="node"/> in order, <paramref name="previous"/>
    /// being the node visited just before it; returns the subtree's real height and size.
    /// </summary>
    private static (int Height, int Size) ValidateSubtree(VmaTree<T>.Node node, ref VmaTree<T>.Node? previous)
    {
        var (leftHeight, leftSize) = node.Left is null ? (0, 0) : ValidateSubtree(node.Left, ref previous);

        var item = node.Item ?? throw new InvalidOperationException("VmaTree: a node holds no item.");
        var range = VmaTree<T>.Describe(item);
        if (item.Start != node.Start)
        {
            throw new InvalidOperationException(
                $"VmaTree: {range} is filed under Start 0x{node.Start:x}; its Start changed while it was in the tree.");
        }

        if (item.End <= item.Start)
        {
            throw new InvalidOperationException($"VmaTree: {range} is empty.");
        }

        if (previous is not null)
        {
            var before = VmaTree<T>.Describe(previous.Item);
            if (previous.Start >= node.Start)
            {
                throw new InvalidOperationException($"VmaTree: {before} precedes {range} in order but does not start below it.");
            }

            if (previous.Item.End > node.Start)
            {
                throw new InvalidOperationException($"VmaTree: {before} overlaps {range}.");
            }
        }

        previous = node;
        var (rightHeight, rightSize) = node.Right is null ? (0, 0) : ValidateSubtree(node.Right, ref previous);

        if (leftHeight > rightHeight + 1 || rightHeight > leftHeight + 1)
        {
            throw new InvalidOperationException(
                $"VmaTree: unbalanced at {range}: left height {leftHeight}, right height {rightHeight}.");
        }

        var height = 1 + Math.Max(leftHeight, rightHeight);
        if (node.Height != height)
        {
            throw new InvalidOperationException($"VmaTree: {range} caches height {node.Height}, real height {height}.");
        }

        var size = 1 + leftSize + rightSize;
        if (node.Size != size)
        {
            throw new InvalidOperationException($"VmaTree: {range} caches subtree size {node.Size}, real size {size}.");
        }

        return (height, size);
    }
}
