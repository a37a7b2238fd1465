namespace Madvise.Replay.Strace;

/// <summary>mremap(2) flags (include/uapi/linux/mman.h), for the parser and the replay's mremap emulation (see <see cref="CloneFlags"/> for why here).</summary>
internal static class MremapFlags
{
    public const int MREMAP_MAYMOVE = 1;
    public const int MREMAP_FIXED = 2;
    public const int MREMAP_DONTUNMAP = 4;
}
