using System.Diagnostics;
using System.Globalization;

namespace Madvise.Measurement.Eval;

/// <summary>
/// Runs the evaluation: every (workload, batch) configuration is measured once per round, the
/// configurations of a round in a shuffled order, so that drift on a shared, noisy machine
/// (other jobs, frequency changes, the page allocator's state) falls on every column alike
/// instead of on whichever ran last.
/// </summary>
public static class EvalRunner
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
    /// <remarks>
    /// With <see cref="EvalSettings.PinCpu"/> the calling thread runs pinned to that CPU for the
    /// measurement and gets its previous CPUs back afterwards.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The thread cannot be pinned to <see cref="EvalSettings.PinCpu"/>.</exception>
    public static EvalMeasurement Run(IReadOnlyList<IAdviceWorkload> workloads, EvalSettings settings, IProgressSink? progress, CancellationToken cancel)
    {
        if (settings.PinCpu is not { } cpu)
        {
            return Run(workloads, settings.Batches, settings.Stop, settings.Warmup, progress, cancel);
        }

        var allowed = ThreadAffinity.AllowedCpus();
        var r = ThreadAffinity.PinCurrentThread(cpu);
        if (r != 0)
        {
            throw new InvalidOperationException($"cannot pin the advising thread to CPU {cpu}: {Errno.Format(r)}");
        }

        try
        {
            return Run(workloads, settings.Batches, settings.Stop, settings.Warmup, progress, cancel);
        }
        finally
        {
            ThreadAffinity.AllowCurrentThread(allowed);
        }
    }

    /// <summary>
    /// Measures every workload at every batch size until <paramref name="stop"/> says so or
    /// <paramref name="cancel"/> is signalled (then the result is marked partial), after
    /// <paramref name="warmup"/> unrecorded rounds. Runs on the calling thread, which is the
    /// simulated CPU of every sim workload.
    /// </summary>
    public static EvalMeasurement Run(
        IReadOnlyList<IAdviceWorkload> workloads,
        IReadOnlyList<int> batches,
        EvalStopRule stop,
        int warmup,
        IProgressSink? progress,
        CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        foreach (var workload in workloads)
        {
            if (workload is HostWorkload host)
            {
                host.CountTlbInterrupts = true;
            }
        }

        var cells = new List<EvalCell>(workloads.Count * batches.Count);
        foreach (var workload in workloads)
        {
            foreach (var batch in batches)
            {
                cells.Add(new EvalCell(workload, batch));
            }
        }

        var partial = warmup > 0 && !WarmUp(cells, warmup, progress, cancel);

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
    /// Runs <paramref name="rounds"/> unrecorded rounds of every configuration, in the measured
    /// rounds' interleaved order, so that the first recorded passes do not pay for just-in-time
    /// compilation, first use of the simulated kernel's frames and the host's page allocator.
    /// </summary>
    /// <returns>False when cancelled.</returns>
    private static bool WarmUp(List<EvalCell> cells, int rounds, IProgressSink? progress, CancellationToken cancel)
    {
        var order = new int[cells.Count];
        for (var round = 0; round < rounds; round++)
        {
            RoundOrder.Fill(order, ~round);
            foreach (var index in order)
            {
                if (cancel.IsCancellationRequested)
                {
                    return false;
                }

                var cell = cells[index];
                progress?.Report(0, string.Create(CultureInfo.InvariantCulture, $"warm-up {round + 1}/{rounds}: {cell.Workload.Label}, batch {cell.Batch}"));
                if (cell.Workload.Populate() is null)
                {
                    cell.Workload.RunPass(cell.Batch, 0);
                }
            }
        }

        return true;
    }

    /// <summary>The batch sizes that exercise every path: madvise() if measured, the smallest and the largest vector.</summary>
    public static IReadOnlyList<int> WarmUpBatches(IReadOnlyList<int> batches)
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
