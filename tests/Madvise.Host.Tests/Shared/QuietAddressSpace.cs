namespace Madvise.Host.Tests.Shared;

/// <summary>
/// Maps memory for tests whose assertions need the unmapped space around it to stay unmapped.
/// </summary>
/// <remarks>
/// <para>
/// An unhinted mmap lands in the highest free gap below mmap_base that fits, so the holes a
/// test punches into its own unhinted mapping (or leaves right above it) are the first place
/// where the next small mapping of any thread of the process goes. The .NET runtime makes such
/// mappings at any moment from its own threads: with W^X on (the default), every time the JIT
/// or the stub generator writes code it maps a temporary read-write view of the executable
/// memory (<c>/memfd:doublemapper</c>, a few pages, MAP_SHARED). One landing in a test's hole
/// turned an expected -ENOMEM into success, or a munmap of "unmapped space" into a refused
/// munmap of foreign memory (MemoryGuardTests, 3 failures in 12 runs of the suite).
/// </para>
/// <para>
/// Here each mapping is placed with MAP_FIXED_NOREPLACE in a window of its own, 1 GiB apart,
/// between 8 and 16 TiB: below the scenario arenas (32–64 TiB, <c>MmapArena</c>) and far
/// below mmap_base (near 128 TiB) and the heap (about 85 TiB), where no unhinted mmap
/// reaches while higher gaps exist. A window another mapping already occupies is skipped.
/// </para>
/// </remarks>
internal static class QuietAddressSpace
{
    /// <summary>Bottom of the windows (8 TiB).</summary>
    private const ulong Bottom = 0x0800_0000_0000;

    /// <summary>Distance between windows: room for any test mapping and a gap to the next one.</summary>
    private const ulong Window = 1UL << 30;

    /// <summary>Windows between 8 and 16 TiB.</summary>
    private const int Windows = 8192;

    /// <summary>The last window handed out in this process.</summary>
    private static int s_last = -1;

    /// <summary>Maps <paramref name="length"/> bytes at the start of a fresh window.</summary>
    /// <exception cref="InvalidOperationException">Every window is occupied.</exception>
    public static nint Map(nuint length, int prot, int flags)
    {
        if (length > Window / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "more than half a window");
        }

        for (var attempt = 0; attempt < Windows; attempt++)
        {
            var slot = (ulong)((uint)Interlocked.Increment(ref s_last) % Windows);
            var at = (nint)(Bottom + (slot * Window));
            if (HostMemory.TryMmap(at, length, prot, flags | MapFlags.MAP_FIXED_NOREPLACE, null, 0, out var mapped, out var errno))
            {
                // A kernel before 4.17 reads MAP_FIXED_NOREPLACE as a hint.
                return mapped == at ? mapped : throw new InvalidOperationException($"mmap at 0x{at:x} placed at 0x{mapped:x}");
            }

            if (errno != Errno.EEXIST)
            {
                throw new InvalidOperationException($"mmap at 0x{at:x}: errno {errno}");
            }
        }

        throw new InvalidOperationException("no free window between 8 and 16 TiB");
    }
}
