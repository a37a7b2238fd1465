namespace Madvise.Kernel.Mm.Vmas;

/// <summary>
/// VMA flags (include/linux/mm.h <c>VM_*</c>), with the bit positions Linux uses on x86-64.
/// </summary>
/// <remarks>
/// Only the flags the model reads or that decide VMA merging are listed. The smaps
/// <c>VmFlags</c> mnemonic of each flag is given by <see cref="VmFlagsExtensions.Mnemonics"/>.
/// </remarks>
[Flags]
public enum VmFlags : ulong
{
    None = 0,
    VM_READ = 1UL << 0,
    VM_WRITE = 1UL << 1,
    VM_EXEC = 1UL << 2,
    VM_SHARED = 1UL << 3,
    VM_MAYREAD = 1UL << 4,
    VM_MAYWRITE = 1UL << 5,
    VM_MAYEXEC = 1UL << 6,
    VM_MAYSHARE = 1UL << 7,
    VM_GROWSDOWN = 1UL << 8,
    VM_UFFD_MISSING = 1UL << 9,
    VM_PFNMAP = 1UL << 10,
    VM_UFFD_WP = 1UL << 12,
    VM_LOCKED = 1UL << 13,
    VM_IO = 1UL << 14,
    VM_SEQ_READ = 1UL << 15,
    VM_RAND_READ = 1UL << 16,
    VM_DONTCOPY = 1UL << 17,
    VM_DONTEXPAND = 1UL << 18,
    VM_LOCKONFAULT = 1UL << 19,
    VM_ACCOUNT = 1UL << 20,
    VM_NORESERVE = 1UL << 21,
    VM_HUGETLB = 1UL << 22,
    VM_SYNC = 1UL << 23,
    VM_ARCH_1 = 1UL << 24,
    VM_WIPEONFORK = 1UL << 25,
    VM_DONTDUMP = 1UL << 26,
    VM_SOFTDIRTY = 1UL << 27,
    VM_MIXEDMAP = 1UL << 28,
    VM_HUGEPAGE = 1UL << 29,
    VM_NOHUGEPAGE = 1UL << 30,
    VM_MERGEABLE = 1UL << 31,

    /// <summary>Model-only marker: guard markers were installed in this VMA (smaps <c>gu</c>).</summary>
    VM_GUARD_INSTALLED = 1UL << 40,

    /// <summary>VMA sealed by mseal(2).</summary>
    VM_SEALED = 1UL << 42,

    /// <summary>MAP_DROPPABLE mapping.</summary>
    VM_DROPPABLE = 1UL << 43,

    /// <summary>VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP.</summary>
    VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP,

    /// <summary>Flags that do not prevent two neighbouring VMAs from merging.</summary>
    VM_IGNORE_MERGE = VM_SOFTDIRTY,
}

/// <summary>/proc/PID/maps and smaps renderings of <see cref="VmFlags"/>.</summary>
public static class VmFlagsExtensions
{
    /// <summary>The smaps VmFlags mnemonics the scenario format prints, in sorted order.</summary>
    private static readonly (VmFlags Flag, string Mnemonic)[] ScenarioMnemonics =
    [
        (VmFlags.VM_DONTCOPY, "dc"),
        (VmFlags.VM_DONTDUMP, "dd"),
        (VmFlags.VM_GUARD_INSTALLED, "gu"),
        (VmFlags.VM_HUGEPAGE, "hg"),
        (VmFlags.VM_LOCKED, "lo"),
        (VmFlags.VM_MERGEABLE, "mg"),
        (VmFlags.VM_NOHUGEPAGE, "nh"),
        (VmFlags.VM_RAND_READ, "rr"),
        (VmFlags.VM_SEQ_READ, "sr"),
        (VmFlags.VM_WIPEONFORK, "wf"),
    ];

    /// <summary>The four-letter permission column of /proc/PID/maps, e.g. <c>rw-p</c>.</summary>
    public static string Perms(this VmFlags flags) => string.Create(4, flags, static (span, f) =>
    {
        span[0] = (f & VmFlags.VM_READ) != 0 ? 'r' : '-';
        span[1] = (f & VmFlags.VM_WRITE) != 0 ? 'w' : '-';
        span[2] = (f & VmFlags.VM_EXEC) != 0 ? 'x' : '-';
        span[3] = (f & VmFlags.VM_MAYSHARE) != 0 ? 's' : 'p';
    });

    /// <summary>The sorted subset of <c>dc dd gu hg lo mg nh rr sr wf</c> that <paramref name="flags"/> carries.</summary>
    public static IEnumerable<string> Mnemonics(this VmFlags flags)
    {
        foreach (var (flag, mnemonic) in ScenarioMnemonics)
        {
            if ((flags & flag) != 0)
            {
                yield return mnemonic;
            }
        }
    }
}
