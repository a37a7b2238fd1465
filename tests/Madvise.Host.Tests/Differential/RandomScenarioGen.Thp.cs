using CsCheck;

namespace Madvise.Host.Tests.Differential;

/// <summary>
/// Transparent-huge-page steps for the THP sequences: 2 MiB blocks of the reservation <c>RH</c>
/// (blocks 1 to 3, pages 512 to 2047) get huge pages by fault, by MADV_COLLAPSE of anonymous
/// memory and of the memfd <c>mh</c>, and then every operation over part of a block or all of
/// it: madvise behaviours, mprotect, munmap, mlock, stores, loads, mincore, vmas.
/// </summary>
/// <remarks>
/// <para>Host determinism. khugepaged collapses, in the background and when it gets to it, blocks
/// of VM_HUGEPAGE VMAs that hold 4 KiB pages; a THP sequence must never leave it one. So
/// MADV_HUGEPAGE appears only inside one group (<see cref="GenStep.Then"/>): a fresh mapping
/// of whole blocks (MAP_FIXED: nothing in them), MADV_HUGEPAGE, one to three stores, loads or
/// populates that fault huge pages (or the huge zero page) there, and MADV_NOHUGEPAGE at once —
/// in between, the blocks hold huge pages or nothing, which khugepaged leaves alone; afterwards
/// the VMA is not VM_HUGEPAGE and khugepaged never looks at it. MADV_COLLAPSE is synchronous and
/// needs no VM_HUGEPAGE. A huge fault that the host cannot serve (no free 2 MiB) would break
/// this; the reference host has gigabytes free.</para>
/// <para>Left out: thp modes other than the host's (madvise), fork (the fork steps' own
/// generator), swap (none on the host).</para>
/// </remarks>
internal static partial class RandomScenarioGen
{
    /// <summary>Steps of a THP sequence: the usual ones now and then, THP steps mostly.</summary>
    public static Gen<GenStep> ThpMix(bool regularFile, bool task) =>
        Gen.Frequency((2, Step(regularFile, task)), (5, ThpStep()));

    /// <summary>One THP step.</summary>
    public static Gen<GenStep> ThpStep() => Gen.Frequency(
        (3, HugeFaultGroup()),
        (2, MemfdMapping()),
        (1, Gen.Select(BlockRange(), Gen.OneOfConst("rw", "r", "none")).Select((r, prot) => new GenStep(false, "mmap", $"{r.Length} {prot} private,anon,fixed at={r.Address}"))),
        (3, BlockOrPartRange().Select(r => new GenStep(false, "madvise", $"{r.Address} {r.Length} COLLAPSE"))),
        (7, Gen.Select(BlockOrPartRange(), ThpAdvice()).Select((r, b) => new GenStep(false, "madvise", $"{r.Address} {r.Length} {b}"))),
        (2, Gen.Select(BlockOrPartRange(), s_prot).Select((r, prot) => new GenStep(false, "mprotect", $"{r.Address} {r.Length} {prot}"))),
        (1, BlockOrPartRange().Select(r => new GenStep(false, "munmap", $"{r.Address} {r.Length}"))),
        (1, BlockOrPartRange().Select(r => new GenStep(false, "mlock", $"{r.Address} {r.Length}"))),
        (1, BlockOrPartRange().Select(r => new GenStep(false, "munlock", $"{r.Address} {r.Length}"))),
        (3, Gen.Select(SmallRange(), s_byte).Select((r, b) => new GenStep(false, "write", $"{r.Address} {r.Length} {b}"))),
        (3, SmallRange().Select(r => new GenStep(false, "read", $"{r.Address} {r.Length}"))),
        (3, BlockOrPartRange().Select(r => new GenStep(false, "mincore", $"{r.Address} {r.Length}"))),
        (1, BlockOrPartRange().Select(r => new GenStep(false, "vmas", $"{r.Address} {r.Length}"))),
        (1, Gen.Select(BlockOrPartRange(), ThpAdvice()).Select((r, b) => new GenStep(false, "pmadvise", $"self [{r.Address} {r.Length}] {b}"))));

    /// <summary>
    /// The huge-fault group: a fresh private anonymous mapping of whole blocks, MADV_HUGEPAGE, one
    /// to three accesses that fault (a store or POPULATE_WRITE: a huge page; a load or
    /// POPULATE_READ: the huge zero page), MADV_NOHUGEPAGE.
    /// </summary>
    private static Gen<GenStep> HugeFaultGroup() =>
        BlockRange().SelectMany(r => HugeTouch(r.FirstPage, r.Pages).Array[1, 3].Select(touches =>
        {
            var length = $"{r.Pages}p";
            var lines = new List<string> { $"madvise {r.Address} {length} HUGEPAGE" };
            lines.AddRange(touches);
            lines.Add($"madvise {r.Address} {length} NOHUGEPAGE");
            return new GenStep(false, "mmap", $"{length} rw private,anon,fixed at={r.Address}", lines);
        }));

    /// <summary>One access inside [first, first + pages) that faults as a store, load or populate would.</summary>
    private static Gen<string> HugeTouch(int first, int pages) =>
        Gen.Int[first, first + pages - 1].SelectMany(p => Gen.Int[1, Math.Min(64, first + pages - p)].SelectMany(n => Gen.Frequency(
            (4, s_byte.Select(b => $"write {ThpAt(p)} {n * 4096} {b}")),
            (2, Gen.Const($"read {ThpAt(p)} 2")),
            (1, Gen.Const($"madvise {ThpAt(p)} {n}p POPULATE_WRITE")),
            (1, Gen.Const($"madvise {ThpAt(p)} {n}p POPULATE_READ")))));

    /// <summary>A mapping of the memfd <c>mh</c> over whole blocks: shared or private, at a 2 MiB-aligned file offset (or now and then one that is not).</summary>
    private static Gen<GenStep> MemfdMapping() =>
        Gen.Select(Gen.Int[1, 3], Gen.Int[1, 2], Gen.FrequencyConst((4, "shared"), (2, "private")), Gen.FrequencyConst((4, "rw"), (2, "r")), Gen.FrequencyConst((5, "off=0"), (3, $"off={RandomScenario.ThpBlockPages}p"), (1, "off=1p")))
            .Where(m => m.Item1 + m.Item2 <= 4)
            .Select(m =>
            {
                var (block, blocks, type, prot, off) = m;
                var pages = blocks * RandomScenario.ThpBlockPages;
                var length = off == "off=0" || blocks == 1 ? pages : RandomScenario.ThpBlockPages;
                return new GenStep(false, "mmap", $"{length}p {prot} {type},fixed fd=mh {off} at={ThpAt(block * RandomScenario.ThpBlockPages)}");
            });

    /// <summary>Behaviours that act on huge pages; never MADV_HUGEPAGE (only the huge-fault group sets it).</summary>
    private static Gen<string> ThpAdvice() => Gen.FrequencyConst(
        (5, "DONTNEED"), (4, "FREE"), (3, "COLD"), (4, "PAGEOUT"), (2, "GUARD_INSTALL"), (2, "GUARD_REMOVE"),
        (2, "POPULATE_READ"), (2, "POPULATE_WRITE"), (1, "DONTNEED_LOCKED"), (1, "WILLNEED"), (1, "REMOVE"),
        (2, "NOHUGEPAGE"), (1, "DONTFORK"), (1, "DODUMP"), (3, "COLLAPSE"));

    /// <summary>Whole blocks of the interior: (address, length, first page, pages).</summary>
    private static Gen<(string Address, string Length, int FirstPage, int Pages)> BlockRange() =>
        Gen.Int[1, 3].SelectMany(b => Gen.Int[1, 4 - b].Select(n =>
            (ThpAt(b * RandomScenario.ThpBlockPages), $"{n * RandomScenario.ThpBlockPages}p", b * RandomScenario.ThpBlockPages, n * RandomScenario.ThpBlockPages)));

    /// <summary>Whole blocks, part of one block, or a range across a block boundary, in the interior.</summary>
    private static Gen<(string Address, string Length)> BlockOrPartRange() => Gen.Frequency(
        (3, BlockRange().Select(r => (r.Address, r.Length))),
        (4, Gen.Int[RandomScenario.ThpFirstPage, RandomScenario.ThpEndPage - 1].SelectMany(p =>
            Gen.Int[1, Math.Min(RandomScenario.ThpBlockPages, RandomScenario.ThpEndPage - p)].Select(n => (ThpAt(p), $"{n}p")))),
        (2, Gen.Int[2, 3].SelectMany(b => Gen.Int[1, 64].SelectMany(before => Gen.Int[1, 64].Select(after =>
            (ThpAt((b * RandomScenario.ThpBlockPages) - before), $"{before + after}p"))))));

    /// <summary>A few bytes or pages inside the interior, for stores and loads.</summary>
    private static Gen<(string Address, string Length)> SmallRange() =>
        Gen.Int[RandomScenario.ThpFirstPage, RandomScenario.ThpEndPage - 1].SelectMany(p =>
            Gen.Int[1, Math.Min(8, RandomScenario.ThpEndPage - p) * 4096].Select(n => (ThpAt(p), Num(n))));

    /// <summary><c>RH+Np</c>.</summary>
    private static string ThpAt(int page) => $"RH+{page}p";
}
