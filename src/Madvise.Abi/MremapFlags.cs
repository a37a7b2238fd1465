namespace Madvise.Abi;

/// <summary>mremap(2) flags (include/uapi/linux/mman.h).</summary>
public static class MremapFlags
{
    public const int MREMAP_MAYMOVE = 1;
    public const int MREMAP_FIXED = 2;
    public const int MREMAP_DONTUNMAP = 4;
}
