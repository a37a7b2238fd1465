using System.Diagnostics;
using System.Globalization;

namespace Madvise.Cli.Eval;

/// <summary>
/// Runs the evaluation: every (workload, batch) configuration is measured once per round, the
/// configurations of a round in a shuffled order, so that drift on a shared, noisy machine
/// (other jobs, frequency changes, the page allocator's state) falls on every column alike
/// instead of on whichever ran last.
/// </summary>
internal static class EvalRunner
{
    /// <summary>How the output headers describe the method.</summary>
    public const string Method =
        "interleaved: each round runs one pass of every configuration in a shuffled order; populating between passes is not timed";

    /// <summary>Seed of the per-round shuffles (fixed, so a run's order can be reproduced).</summary>
    private const int ShuffleSeed = 0x5EED;

    /// <summary>
    /// Measures every workload at every batch size until <paramref name="stop"/> says so or
    /// <paramref name="cancel"/> is signalled (then the result is marked partial). Runs on the
    /// calling thread, which is the simulated CPU of every sim workload.
    /// </summary>
    public static EvalMeasurement Run(
        IReadOnlyList<IAdviceWorkload> workloads,
        IReadOnlyList<int> batches,
        EvalStopRule stop,
        bool warmUp,
        IProgressSink? progress,
        CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var cells = new List<EvalCell>(workloads.Count * batches.Count);
        foreach (var workload in workloads)
        {
            foreach (var batch in batches)
            {
                cells.Add(new EvalCell(workload, batch));
            }
        }

        var partial = false;
        if (warmUp)
        {
            partial = !WarmUp(workloads, batches, progress, cancel);
        }

        var rounds = 0;
        var roundsTime = TimeSpan.Zero;
        var order = new int[cells.Count];
        while (!partial && stop.MayStartRound(rounds, clock.Elapsed, roundsTime) && AnyWorking(cells))
        {
            var roundStart = clock.Elapsed;
            RoundOrder.Fill(order, ShuffleSeed + rounds);
            for (var i = 0; i < order.Length; i++)
            {
                if (cancel.IsCancellationRequested)
                {
                    partial = true;
                    break;
                }

                var cell = cells[order[i]];
                if (cell.Error is not null)
                {
                    continue;
                }

                progress?.Report(
                    stop.Fraction(rounds, clock.Elapsed),
                    string.Create(CultureInfo.InvariantCulture, $"round {rounds + 1}: {cell.Workload.Label}, batch {cell.Batch}"));
                Measure(cell);
            }

            if (!partial)
            {
                rounds++;
                roundsTime += clock.Elapsed - roundStart;
            }
        }

        progress?.Report(1, "done");
        return new EvalMeasurement(workloads, batches, cells, rounds, partial, clock.Elapsed);
    }

    /// <summary>One untimed populate, then one timed pass.</summary>
    private static void Measure(EvalCell cell)
    {
        var error = cell.Workload.Populate();
        if (error is not null)
        {
            cell.Fail(error);
            return;
        }

        cell.Add(cell.Workload.RunPass(cell.Batch, 0));
    }

    /// <summary>
    /// Runs each code path once per workload, unrecorded, so that the first recorded passes do not
    /// pay for just-in-time compilation and first use of the simulated kernel's frames.
    /// </summary>
    /// <returns>False when cancelled.</returns>
    private static bool WarmUp(IReadOnlyList<IAdviceWorkload> workloads, IReadOnlyList<int> batches, IProgressSink? progress, CancellationToken cancel)
    {
        var paths = WarmUpBatches(batches);
        for (var w = 0; w < workloads.Count; w++)
        {
            foreach (var batch in paths)
            {
                if (cancel.IsCancellationRequested)
                {
                    return false;
                }

                progress?.Report(0, $"warm-up: {workloads[w].Label}, batch {batch}");
                if (workloads[w].Populate() is null)
                {
                    workloads[w].RunPass(batch, 0);
                }
            }
        }

        return true;
    }

    /// <summary>The batch sizes that exercise every path: madvise() if measured, the smallest and the largest vector.</summary>
    internal static IReadOnlyList<int> WarmUpBatches(IReadOnlyList<int> batches)
    {
        var paths = new List<int>(3);
        if (batches.Contains(0))
        {
            paths.Add(0);
        }

        foreach (var b in batches)
        {
            if (b > 0)
            {
                paths.Add(b);
                break;
            }
        }

        if (batches.Count > 0 && batches[^1] > 0 && !paths.Contains(batches[^1]))
        {
            paths.Add(batches[^1]);
        }

        return paths;
    }

    private static bool AnyWorking(List<EvalCell> cells)
    {
        foreach (var cell in cells)
        {
            if (cell.Error is null)
            {
                return true;
            }
        }

        return false;
    }
}
