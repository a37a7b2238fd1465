namespace Madvise.Kernel.Abi;

/// <summary>
/// madvise(2) behaviour numbers (include/uapi/asm-generic/mman-common.h) and their names.
/// </summary>
public static class MadviseBehavior
{
    public const int MADV_NORMAL = 0;
    public const int MADV_RANDOM = 1;
    public const int MADV_SEQUENTIAL = 2;
    public const int MADV_WILLNEED = 3;
    public const int MADV_DONTNEED = 4;
    public const int MADV_FREE = 8;
    public const int MADV_REMOVE = 9;
    public const int MADV_DONTFORK = 10;
    public const int MADV_DOFORK = 11;
    public const int MADV_MERGEABLE = 12;
    public const int MADV_UNMERGEABLE = 13;
    public const int MADV_HUGEPAGE = 14;
    public const int MADV_NOHUGEPAGE = 15;
    public const int MADV_DONTDUMP = 16;
    public const int MADV_DODUMP = 17;
    public const int MADV_WIPEONFORK = 18;
    public const int MADV_KEEPONFORK = 19;
    public const int MADV_COLD = 20;
    public const int MADV_PAGEOUT = 21;
    public const int MADV_POPULATE_READ = 22;
    public const int MADV_POPULATE_WRITE = 23;
    public const int MADV_DONTNEED_LOCKED = 24;
    public const int MADV_COLLAPSE = 25;
    public const int MADV_HWPOISON = 100;
    public const int MADV_SOFT_OFFLINE = 101;
    public const int MADV_GUARD_INSTALL = 102;
    public const int MADV_GUARD_REMOVE = 103;

    private static readonly (string Name, int Value)[] Table =
    [
        ("NORMAL", MADV_NORMAL), ("RANDOM", MADV_RANDOM), ("SEQUENTIAL", MADV_SEQUENTIAL),
        ("WILLNEED", MADV_WILLNEED), ("DONTNEED", MADV_DONTNEED), ("FREE", MADV_FREE),
        ("REMOVE", MADV_REMOVE), ("DONTFORK", MADV_DONTFORK), ("DOFORK", MADV_DOFORK),
        ("MERGEABLE", MADV_MERGEABLE), ("UNMERGEABLE", MADV_UNMERGEABLE),
        ("HUGEPAGE", MADV_HUGEPAGE), ("NOHUGEPAGE", MADV_NOHUGEPAGE),
        ("DONTDUMP", MADV_DONTDUMP), ("DODUMP", MADV_DODUMP),
        ("WIPEONFORK", MADV_WIPEONFORK), ("KEEPONFORK", MADV_KEEPONFORK),
        ("COLD", MADV_COLD), ("PAGEOUT", MADV_PAGEOUT),
        ("POPULATE_READ", MADV_POPULATE_READ), ("POPULATE_WRITE", MADV_POPULATE_WRITE),
        ("DONTNEED_LOCKED", MADV_DONTNEED_LOCKED), ("COLLAPSE", MADV_COLLAPSE),
        ("HWPOISON", MADV_HWPOISON), ("SOFT_OFFLINE", MADV_SOFT_OFFLINE),
        ("GUARD_INSTALL", MADV_GUARD_INSTALL), ("GUARD_REMOVE", MADV_GUARD_REMOVE),
    ];

    /// <summary>Every named behaviour, in numeric order.</summary>
    public static IReadOnlyList<(string Name, int Value)> All => Table;

    /// <summary>Looks a behaviour up by its name without <c>MADV_</c> (case-insensitive; a leading <c>MADV_</c> is accepted).</summary>
    public static bool TryParse(string name, out int value)
    {
        var n = name.StartsWith("MADV_", StringComparison.OrdinalIgnoreCase) ? name[5..] : name;
        foreach (var (entry, v) in Table)
        {
            if (string.Equals(entry, n, StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }

        value = 0;
        return false;
    }

    /// <summary>The name without <c>MADV_</c>, or null for a number that names no behaviour.</summary>
    public static string? Name(int value)
    {
        foreach (var (entry, v) in Table)
        {
            if (v == value)
            {
                return entry;
            }
        }

        return null;
    }
}
