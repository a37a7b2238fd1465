using Madvise.Compaction.Engine;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Compaction.Planning;

/// <summary>
/// Chooses the advice of each mapping the way Android's compactor does
/// (frameworks/base com_android_server_am_CachedAppOptimizer.cpp getAnonPageAdvice(),
/// getFilePageAdvice(), getAnyPageAdvice(), compactProcess()).
/// </summary>
/// <remarks>
/// <para>A mapping with inode 0 that is not shared is anonymous: MADV_PAGEOUT in the anon and all
/// modes. One with an inode that is not shared is a file mapping: MADV_COLD in the file and all
/// modes (MADV_PAGEOUT with <see cref="CompactionOptions.FilePageout"/>). In the all mode every
/// other mapping — shared file or shared anonymous memory — gets MADV_COLD too. Pseudo-mappings
/// with inode 0 ([heap], [stack], [vvar], [vdso]) count as anonymous; those the kernel refuses
/// ([vvar] is VM_PFNMAP: EINVAL) are skipped by the engine's error handling, as on Android.</para>
/// <para>The one mapping left out that Android would send is a range above the user address
/// limit (x86-64's [vsyscall] page): import_iovec() refuses the whole vector with EFAULT for it,
/// which would end Android's compaction at that batch.</para>
/// </remarks>
public static class CompactionPlanner
{
    /// <summary>Plans <paramref name="mappings"/> (address order) for <paramref name="options"/>.</summary>
    public static CompactionPlan Create(IReadOnlyList<TargetMapping> mappings, CompactionOptions options, ulong userAddressLimit)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        ArgumentNullException.ThrowIfNull(options);
        var pageout = new List<PlannedRange>();
        var cold = new List<PlannedRange>();
        var leftOut = 0;
        var anonymous = false;
        foreach (var m in mappings)
        {
            var advice = Choose(m, options);
            if (advice is null || m.End > userAddressLimit || m.End <= m.Start)
            {
                leftOut++;
                continue;
            }

            var range = new PlannedRange(m.Start, m.End, m.IsReserved);
            if (advice == MADV_PAGEOUT)
            {
                pageout.Add(range);
                anonymous |= m.Inode == 0 && !m.Shared;
            }
            else
            {
                cold.Add(range);
            }
        }

        var phases = new List<CompactionPhase>(2);
        if (pageout.Count > 0)
        {
            phases.Add(new CompactionPhase(MADV_PAGEOUT, [.. pageout]));
        }

        if (cold.Count > 0)
        {
            phases.Add(new CompactionPhase(MADV_COLD, [.. cold]));
        }

        return new CompactionPlan(phases, mappings.Count, leftOut) { PagesOutAnonymous = anonymous };
    }

    /// <summary>The advice for one mapping under <paramref name="options"/>, or null to leave it alone.</summary>
    public static MemoryAdvice? Choose(TargetMapping m, CompactionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var privateAnon = m.Inode == 0 && !m.Shared;
        var privateFile = m.Inode != 0 && !m.Shared;
        var fileAdvice = options.FilePageout ? MADV_PAGEOUT : MADV_COLD;
        return options.Mode switch
        {
            CompactionMode.Anon => privateAnon ? MADV_PAGEOUT : null,
            CompactionMode.File => privateFile ? fileAdvice : null,
            _ => privateAnon ? MADV_PAGEOUT : privateFile ? fileAdvice : MADV_COLD,
        };
    }
}
