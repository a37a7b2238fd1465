using CsCheck;

namespace Madvise.Host.Tests.Differential;

/// <summary>
/// Fork and smaps steps of the random differential: the preamble's fork C of self (steps in C,
/// process_madvise on C through PC), fork blocks (a fork of self or of B, a few steps in the
/// child, sometimes its exit), and smaps over the interior.
/// </summary>
/// <remarks>
/// smaps compares 4 KiB facts only (Rss, Anonymous, LazyFree, Locked; no THP in the interior, no
/// swap). Its LazyFree moves through per-CPU batches on the host, so the step drains them first
/// (<see cref="GenStep"/>): every task is pinned to the step thread's CPU, whose batches the
/// drain empties, whichever task faulted or freed the pages.
/// </remarks>
internal static partial class RandomScenarioGen
{
    /// <summary>A step of a sequence: the ordinary ones, smaps, fork blocks, and (with the preamble's fork) steps in C.</summary>
    public static Gen<GenStep> StepWithForks(bool regularFile, bool task, bool fork)
    {
        var choices = new List<(int, Gen<GenStep>)>
        {
            (24, Step(regularFile, task)),
            (2, Smaps(inB: false)),
            (1, ForkBlock(inB: false, regularFile, task)),
        };
        if (task)
        {
            choices.Add((1, Smaps(inB: true)));
            choices.Add((1, ForkBlock(inB: true, regularFile, task)));
        }

        if (fork)
        {
            choices.Add((6, InC(regularFile, task)));
            choices.Add((2, PmadviseC(regularFile)));
        }

        return Gen.Frequency([.. choices]);
    }

    /// <summary>
    /// <c>smaps</c> over interior pages of the task's reservation, right after a drain of the
    /// CPU's LRU batches: COLD of the reservation's first page, which nothing ever touches
    /// (madvise_cold() calls lru_add_drain() before it walks the VMA).
    /// </summary>
    private static Gen<GenStep> Smaps(bool inB)
    {
        var res = inB ? "RB" : "R";
        return Pages(12).Select(r => new GenStep(inB, "madvise", $"{res} 1p COLD", [$"smaps {At(res, r.Page)} {r.Pages}p"]));
    }

    /// <summary>A step of self's kinds, or smaps, run by C (the preamble's fork of self; same addresses).</summary>
    private static Gen<GenStep> InC(bool regularFile, bool task) =>
        Gen.Frequency((8, StepIn(inB: false, regularFile, task)), (1, Smaps(inB: false))).Select(s => s with { Task = "C" });

    /// <summary>process_madvise on C's mm from self: a remote one (COLD, PAGEOUT, WILLNEED, COLLAPSE allowed).</summary>
    private static Gen<GenStep> PmadviseC(bool regularFile) =>
        Gen.Select(Vector("R"), Advice(regularFile)).Select((v, b) => new GenStep(false, "pmadvise", $"PC {v} {b}"));

    /// <summary>
    /// <c>fork F</c> by self or B, up to four steps of that task's kinds in F (also smaps), and
    /// now and then F's exit; F otherwise lives to the end of the file, sharing pages with its parent.
    /// </summary>
    private static Gen<GenStep> ForkBlock(bool inB, bool regularFile, bool task) =>
        Gen.Select(Gen.Frequency((6, StepIn(inB, regularFile, task)), (1, Smaps(inB))).Array[0, 4], Gen.Int[0, 2])
            .Select((children, e) => new GenStep(inB, "fork", "") { Children = children, ExitChild = e == 0 });
}
