namespace Madvise.Kernel.Mm.Vmas;

/// <summary>
/// A half-open range of user addresses [<see cref="Start"/>, <see cref="End"/>), the key of a
/// <see cref="VmaTree{T}"/> entry.
/// </summary>
public interface IAddressRange
{
    /// <summary>The first address in the range.</summary>
    ulong Start { get; }

    /// <summary>The first address after the range.</summary>
    ulong End { get; }
}
