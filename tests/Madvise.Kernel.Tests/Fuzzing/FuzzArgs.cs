namespace Madvise.Kernel.Tests.Fuzzing;

/// <summary>
/// Arguments for the syscall fuzzer: mostly values that reach deep into the kernel (addresses in
/// and around the task's mappings, lengths of a few pages or of huge-page blocks), and a steady
/// share of extreme ones (0, unaligned, the user limit, 2^63, addresses and lengths near 2^64,
/// any 64-bit value, undefined flag bits and advice numbers).
/// </summary>
internal static class FuzzArgs
{
    private const ulong Page = 4096;

    /// <summary>Where the fuzzer's fixed mappings go: 64 GiB, far from top-down placement.</summary>
    public const ulong Arena = 0x10_0000_0000;

    /// <summary>Pages of the arena most addresses fall in (dense, so mappings overlap, split and merge).</summary>
    public const int ArenaPages = 8192;

    /// <summary>x86-64's user address-space limit (TASK_SIZE).</summary>
    private const ulong TaskSize = 0x7fff_ffff_f000;

    private static readonly ulong[] ExtremeAddresses =
    [
        0, 1, Page - 1, Page, 0xf000, 0x10000, 0x10001, TaskSize - Page, TaskSize - 1, TaskSize, TaskSize + 1, 0x8000_0000_0000,
        1UL << 47, (1UL << 47) - 1, 1UL << 62, 1UL << 63, (1UL << 63) - Page, 0xffff_8000_0000_0000, 0xffff_ffff_ffff_e000,
        0xffff_ffff_ffff_f000, 0xffff_ffff_ffff_f001, ulong.MaxValue - 1, ulong.MaxValue,
    ];

    private static readonly ulong[] ExtremeLengths =
    [
        0, 1, Page - 1, Page + 1, 2UL << 20, (2UL << 20) + Page, 1UL << 30, 1UL << 40, 1UL << 46, TaskSize, 1UL << 47, 1UL << 62,
        1UL << 63, (1UL << 63) + Page, ulong.MaxValue - Page + 1, ulong.MaxValue - Page, ulong.MaxValue - 1, ulong.MaxValue,
    ];

    private static readonly long[] AdviceNumbers = [.. Enum.GetValues<MemoryAdvice>().Select(a => (long)a)];

    private static readonly int[] MapBits =
    [
        MapFlags.MAP_FIXED, MapFlags.MAP_ANONYMOUS, MapFlags.MAP_32BIT, MapFlags.MAP_GROWSDOWN, MapFlags.MAP_DENYWRITE,
        MapFlags.MAP_EXECUTABLE, MapFlags.MAP_LOCKED, MapFlags.MAP_NORESERVE, MapFlags.MAP_POPULATE, MapFlags.MAP_NONBLOCK,
        MapFlags.MAP_STACK, MapFlags.MAP_HUGETLB, MapFlags.MAP_SYNC, MapFlags.MAP_FIXED_NOREPLACE, MapFlags.MAP_UNINITIALIZED,
    ];

    /// <summary>Any 64-bit value.</summary>
    public static ulong Any(Random r) => (ulong)r.NextInt64() ^ ((ulong)r.Next(4) << 62);

    /// <summary>An address: near one the task mapped, in the arena, extreme, or anywhere below the user limit.</summary>
    public static ulong Address(Random r, FuzzTask task)
    {
        var roll = r.Next(100);
        ulong a;
        if (roll < 35 && task.RecentMapping(r) is var (start, length) && length != 0)
        {
            // In or just around a mapping the task made (the list is racy: the mapping may be gone).
            var pages = (long)Math.Min(length / Page, 1 << 20);
            a = start + (ulong)(r.NextInt64(-4, pages + 4) * (long)Page);
        }
        else if (roll < 75)
        {
            a = Arena + ((ulong)r.Next(r.Next(8) == 0 ? ArenaPages * 8 : ArenaPages) * Page);

            // A huge-page boundary now and then, where a 2 MiB block can fault in whole.
            a = r.Next(8) == 0 ? a & ~((2UL << 20) - 1) : a;
        }
        else if (roll < 90)
        {
            return ExtremeAddresses[r.Next(ExtremeAddresses.Length)];
        }
        else if (roll < 96)
        {
            a = (ulong)r.NextInt64(0, (long)(TaskSize / Page)) * Page;
        }
        else
        {
            return Any(r);
        }

        // A few unaligned starts, which most calls refuse before anything else.
        return r.Next(30) == 0 ? a + (ulong)r.Next(1, (int)Page) : a;
    }

    /// <summary>
    /// A range: half the time inside a mapping the task made lately (so the call reaches the
    /// behaviour, not only the argument checks), else an address and a length drawn apart.
    /// </summary>
    public static (ulong Start, ulong Length) Range(Random r, FuzzTask task)
    {
        if (r.Next(2) == 0 && task.RecentMapping(r) is var (start, length) && length >= Page)
        {
            var pages = (long)Math.Min(length / Page, 1L << 30);
            var first = r.NextInt64(pages);
            var count = r.Next(4) == 0 ? pages - first : r.NextInt64(1, pages - first + 1);
            return (start + ((ulong)first * Page), (ulong)count * Page);
        }

        return (Address(r, task), Length(r));
    }

    /// <summary>A length: a few pages mostly, huge-page blocks, unaligned, or extreme.</summary>
    public static ulong Length(Random r)
    {
        var roll = r.Next(100);
        if (roll < 60)
        {
            return (ulong)r.Next(1, 17) * Page;
        }

        if (roll < 75)
        {
            return (ulong)r.Next(17, 1025) * Page;
        }

        if (roll < 82)
        {
            return (ulong)r.Next(1, 4) * (2UL << 20);
        }

        if (roll < 88)
        {
            return (ulong)r.Next(1, 64 * (int)Page);
        }

        return roll < 98 ? ExtremeLengths[r.Next(ExtremeLengths.Length)] : Any(r);
    }

    /// <summary>A length a user-memory access of the fuzzer may copy through its buffer.</summary>
    public static int BufferLength(Random r, int capacity) => r.Next(4) switch
    {
        0 => r.Next(1, 64),
        1 => r.Next(1, (int)Page + 1),
        _ => r.Next(1, capacity + 1),
    };

    /// <summary>Protection bits: the usual three, sometimes undefined bits (PROT_SEM, PROT_GROWSDOWN/UP, anything).</summary>
    public static ulong Prot(Random r) => r.Next(20) switch
    {
        0 => Any(r),
        1 => (ulong)r.Next(8) | 0x8,
        2 => (ulong)r.Next(8) | 0x01000000,
        3 => (ulong)r.Next(8) | 0x02000000,
        _ => (ulong)r.Next(8),
    };

    /// <summary>mmap flags: a mapping type, a few of the defined bits, now and then any bits.</summary>
    public static ulong MapFlagsFor(Random r, bool file)
    {
        if (r.Next(40) == 0)
        {
            return Any(r) & 0xffff_ffff;
        }

        ulong flags = r.Next(12) switch
        {
            0 => (ulong)MapFlags.MAP_SHARED_VALIDATE,
            1 => (ulong)MapFlags.MAP_DROPPABLE,
            2 => (ulong)r.Next(16),
            < 7 => (ulong)MapFlags.MAP_SHARED,
            _ => (ulong)MapFlags.MAP_PRIVATE,
        };
        if (!file || r.Next(10) == 0)
        {
            flags |= (uint)MapFlags.MAP_ANONYMOUS;
        }

        for (var n = r.Next(3); n > 0; n--)
        {
            var bit = MapBits[r.Next(MapBits.Length)];

            // Populating and locking are common but costly: keep them to a share of the calls.
            if (bit is MapFlags.MAP_POPULATE or MapFlags.MAP_LOCKED && r.Next(3) != 0)
            {
                continue;
            }

            flags |= (uint)bit;
        }

        // Most mappings go to the arena, where they overlap.
        if (r.Next(3) != 0)
        {
            flags |= (uint)(r.Next(4) == 0 ? MapFlags.MAP_FIXED_NOREPLACE : MapFlags.MAP_FIXED);
        }

        return flags;
    }

    /// <summary>An advice number: a defined one mostly, else any int or any 64-bit value.</summary>
    public static long Advice(Random r) => r.Next(25) switch
    {
        0 => r.Next(-3, 200),
        1 => (long)Any(r),
        2 => int.MinValue + r.Next(3),
        _ => AdviceNumbers[r.Next(AdviceNumbers.Length)],
    };

    /// <summary>A descriptor: a small one (the task's files and pidfds are the lowest free numbers), the sentinels, or anything.</summary>
    public static long Fd(Random r) => r.Next(20) switch
    {
        0 => -1,
        1 => (long)Any(r),
        2 => -10000 + r.Next(3),
        3 => int.MaxValue,
        _ => r.Next(0, 16),
    };

    /// <summary>A file offset: 0 mostly, a few pages, unaligned, or extreme.</summary>
    public static ulong Offset(Random r) => r.Next(10) switch
    {
        < 6 => 0,
        < 8 => (ulong)r.Next(0, 32) * Page,
        8 => (ulong)r.Next(1, (int)Page),
        _ => ExtremeLengths[r.Next(ExtremeLengths.Length)],
    };

    /// <summary>A vector length for process_madvise: a few ranges mostly, the limits, or anything.</summary>
    public static ulong Vlen(Random r) => r.Next(20) switch
    {
        0 => 0,
        1 => 1024,
        2 => 1025,
        3 => Any(r),
        4 => 0x1_0000_0001,
        _ => (ulong)r.Next(1, 9),
    };
}
