using System.Diagnostics;
using HdrHistogram;
using Madvise.Compaction;
using Madvise.Compaction.Engine;
using Madvise.Compaction.Host;
using Madvise.Compaction.Layout;
using Madvise.Host;

namespace Madvise.Measurement.Compaction;

/// <summary>
/// <c>madv compact-bench</c>: on each kernel (simulated profiles, the host) a target process with a
/// generated layout and a writer thread that keeps needing the target's mmap_lock; the compactor
/// runs Android's fixed batching and the budgeted engine alternately on it, the target faulted
/// back in before each run.
/// </summary>
public static class CompactBenchRunner
{
    /// <summary>How the measurement is made, for reports.</summary>
    public const string Method =
        "per kernel: the writer alone first, two unrecorded compactions of each strategy, then rounds of one fixed-batch and one budgeted compaction in a shuffled order, " +
        "each after faulting the whole layout back in; the writer (mmap+munmap of a fenced page of the target, paced) records " +
        "every call from just before the compactor reads the maps to just after its last call; bytes reclaimed = RSS before " +
        "minus after (smaps_rollup), per CPU-second of the compacting thread (maps, probes, calls)";

    /// <summary>Measures every kernel of <paramref name="settings"/>; stops between runs on <paramref name="cancel"/>.</summary>
    public static CompactBenchMeasurement Run(CompactBenchSettings settings, IProgressSink? sink, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var started = Stopwatch.GetTimestamp();
        var layout = TargetLayout.Generate(settings.Mem, settings.Vmas, settings.Seed);
        var kernels = new List<Func<ICompactBenchKernel>>();
        foreach (var profile in settings.Profiles)
        {
            kernels.Add(() => new SimCompactBenchKernel(profile, layout, settings.SwapBytes, settings.WriterInterval));
        }

        var notes = new List<string>();
        if (settings.Madv is { } madv)
        {
            foreach (var placement in settings.Placements)
            {
                kernels.Add(() => new HostCompactBenchKernel(madv, settings.Mem, settings.Vmas, settings.Seed, settings.WriterInterval, placement));
            }

            if (HostSwap.Read().TotalKiB == 0)
            {
                notes.Add("host: no swap, so PAGEOUT frees no anonymous memory there and bytes reclaimed per CPU-second mean little; " +
                    "run under tools/zram-swap.sh run -- madv compact-bench ... for a host measurement");
            }
        }

        var rows = new List<CompactBenchRow>();
        var steps = kernels.Count * (1 + (2 * settings.Runs));
        var done = 0;
        var partial = false;
        foreach (var create in kernels)
        {
            if (cancel.IsCancellationRequested)
            {
                partial = true;
                break;
            }

            ICompactBenchKernel kernel;
            try
            {
                kernel = create();
            }
            catch (Exception ex) when (ex is InvalidOperationException or CompactionException or MadviseException or IOException)
            {
                notes.Add("a kernel was left out: " + ex.Message);
                done += 1 + (2 * settings.Runs);
                continue;
            }

            using (kernel)
            {
                partial |= !Measure(kernel, settings, rows, cancel, what =>
                {
                    sink?.Report((double)++done / steps, what);
                });
            }
        }

        return new CompactBenchMeasurement(rows, Stopwatch.GetElapsedTime(started), partial || cancel.IsCancellationRequested, notes);
    }

    /// <summary>The idle row and the runs of one kernel; false when cancelled.</summary>
    private static bool Measure(ICompactBenchKernel kernel, CompactBenchSettings settings, List<CompactBenchRow> rows, CancellationToken cancel, Action<string> step)
    {
        var idle = new CompactBenchRow(kernel, null);
        rows.Add(idle);
        kernel.StartWriter();
        cancel.WaitHandle.WaitOne(settings.IdleTime);
        idle.Writer.Add(kernel.StopWriter());
        step(kernel.Label + ": writer alone");
        var strategies = settings.Strategies;
        var strategyRows = strategies.Select(s => new CompactBenchRow(kernel, s)).ToList();
        rows.AddRange(strategyRows);

        // Each code path twice, unrecorded: the simulator's first runs of a strategy execute
        // code the JIT has not optimised yet (tier 0, then tier 1 after 30 calls and a delay), and
        // the host's first run faults in the compactor's own pages.
        foreach (var options in strategies.Concat(strategies))
        {
            var warmup = new CompactBenchRow(kernel, options);
            RunOnce(kernel, warmup, options, cancel);
            if (warmup.Error is { } failed)
            {
                strategyRows[strategies.ToList().IndexOf(options)].Error = failed;
            }
        }

        for (var round = 0; round < settings.Runs; round++)
        {
            var order = Enumerable.Range(0, strategies.Count).ToArray();
            new Random(round + 17).Shuffle(order);
            foreach (var i in order)
            {
                if (cancel.IsCancellationRequested)
                {
                    return false;
                }

                var row = strategyRows[i];
                if (row.Error is null)
                {
                    RunOnce(kernel, row, strategies[i], cancel);
                }

                step($"{kernel.Label}: {row.StrategyLabel}, round {round + 1} of {settings.Runs}");
            }
        }

        return true;
    }

    /// <summary>Faults the layout back in, then compacts it once with the writer recording.</summary>
    private static void RunOnce(ICompactBenchKernel kernel, CompactBenchRow row, CompactionOptions options, CancellationToken cancel)
    {
        kernel.Touch();

        // Collect now rather than inside a run: a pause of the simulator's process would land in
        // a call of either strategy at random.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        LongHistogram? writer = null;
        long flushes0 = -1, flushes1 = -1;
        var engine = new CompactionEngine(kernel.Target, options)
        {
            WorkStarting = () =>
            {
                kernel.StartWriter();
                flushes0 = kernel.RemoteTlbFlushes();
            },
            WorkFinished = () =>
            {
                flushes1 = kernel.RemoteTlbFlushes();
                writer = kernel.StopWriter();
            },
        };
        CompactionResult result;
        var allowed = kernel.CompactorCpu is { } cpu ? Workloads.ThreadAffinity.AllowedCpus() : null;
        try
        {
            if (kernel.CompactorCpu is { } pin && Workloads.ThreadAffinity.PinCurrentThread(pin) is var pinned and < 0)
            {
                row.Error = $"cannot pin the compactor to CPU {pin}: {Errno.Format(pinned)}";
                return;
            }

            result = engine.Run(cancel);
        }
        catch (InvalidOperationException ex)
        {
            // The writer or the target process failed.
            row.Error = ex.Message;
            return;
        }
        finally
        {
            if (allowed is not null)
            {
                Workloads.ThreadAffinity.AllowCurrentThread(allowed);
            }
        }

        if (result.Outcome == CompactionOutcome.Completed)
        {
            row.Add(result, writer!, flushes0 >= 0 && flushes1 >= 0 ? flushes1 - flushes0 : null);
        }
        else if (result.Outcome != CompactionOutcome.Cancelled)
        {
            row.Error = result.Message ?? result.Outcome.ToString();
        }
    }
}
