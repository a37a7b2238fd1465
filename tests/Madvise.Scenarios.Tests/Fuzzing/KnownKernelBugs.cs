using Madvise.Scenarios.Steps;

namespace Madvise.Scenarios.Tests.Fuzzing;

/// <summary>
/// Classes of simulated-kernel bugs listed in issue 10 whose fixes are not on this branch yet:
/// a mutant in one of them would exhaust the test process (or crash it), not find anything new.
/// Such mutants are counted and not run; each rule goes when its fix lands, and the fuzzer then
/// covers the class again.
/// </summary>
internal static class KnownKernelBugs
{
    /// <summary>Swap sizes above this are item 1.</summary>
    private const ulong BadSwap = 1UL << 30;

    /// <summary>Ranges above this that fill page tables without taking RAM are item 2.</summary>
    private const ulong BadRange = 1UL << 30;

    /// <summary>The class <paramref name="scenario"/> falls in, or null to run it.</summary>
    public static string? Find(Scenario scenario)
    {
        foreach (var step in scenario.Steps)
        {
            switch (step)
            {
                // Issue 10 item 1: a swap size the kernel cannot hold throws in the swap area's
                // constructor after the target disposed its old kernel, and the next fault uses
                // freed memory (AccessViolationException: the process dies); swap=1024G takes 2 GB.
                case ConfigStep { Config.Swap: > BadSwap }:
                    return "issue 10 item 1 (config swap larger than the kernel can hold)";

                // Issue 10 item 2: page tables are host memory outside the simulated RAM, so a huge
                // range that installs guard markers or maps the zero page (POPULATE_READ, mlock,
                // a read of a read-only mapping, MAP_POPULATE or MAP_LOCKED) grows them without
                // bound (~250 MB/s) instead of failing with -ENOMEM.
                case MadviseStep m when m.Length > BadRange && FillsPageTables(m.Advice):
                case MlockStep l when l.Length > BadRange:
                case ReadStep r when r.Length > BadRange:
                case MmapStep p when p.Length > BadRange && (p.Flags & (MapFlags.MAP_POPULATE | MapFlags.MAP_LOCKED)) != 0:
                case PmadviseStep v when FillsPageTables(v.Advice) && VectorBytes(v.Vector) > BadRange:
                    return "issue 10 item 2 (page tables grow without bound outside the simulated RAM)";
            }
        }

        return null;
    }

    private static bool FillsPageTables(MemoryAdvice advice) =>
        advice is MemoryAdvice.MADV_GUARD_INSTALL or MemoryAdvice.MADV_POPULATE_READ or MemoryAdvice.MADV_POPULATE_WRITE or MemoryAdvice.MADV_WILLNEED;

    /// <summary>The bytes a vector names (saturating).</summary>
    private static ulong VectorBytes(VectorArgument<AddressExpression> vector) => vector switch
    {
        VectorArgument<AddressExpression>.List list => list.Entries.Aggregate(0UL, (sum, e) => sum + e.Length < sum ? ulong.MaxValue : sum + e.Length),
        VectorArgument<AddressExpression>.Seq seq => seq.Count != 0 && seq.Length > ulong.MaxValue / seq.Count ? ulong.MaxValue : seq.Length * seq.Count,
        _ => 0,
    };
}
