using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace Madvise.Measurement.Contention;

/// <summary>
/// Measures the downside the series names but does not measure: while the advising thread
/// applies the hint with a given batch size, a writer thread repeatedly needs the same
/// mmap_lock for writing, and each of its operations is timed. A longer vector holds the lock
/// longer (BatchedLock and later) and the writer waits; a per-call cap splits vectors and bounds
/// that wait.
/// </summary>
public static class ContentionRunner
{
    /// <summary>How the output headers describe the method.</summary>
    public const string Method =
        "interleaved: each configuration's time is cut into slices run round-robin in a shuffled order; the writer sleeps between calls; its samples are kept only while the advisor is inside a timed pass (always for idle)";

    /// <summary>Seed of the per-round shuffles.</summary>
    private const int ShuffleSeed = 0xC0DE;

    /// <summary>Managed allocation allowed during a slice without a collection (the progress bar allocates a little).</summary>
    private const long NoGcBytes = 16L << 20;

    /// <summary>The rows of <paramref name="workloads"/>: idle, each batch, then each cap (below the largest batch) on the largest batch.</summary>
    public static List<ContentionRow> Rows(IReadOnlyList<IAdviceWorkload> workloads, IReadOnlyList<int> batches, IReadOnlyList<int> caps)
    {
        var rows = new List<ContentionRow>();
        var largest = batches.Count == 0 ? 0 : batches[^1];
        foreach (var workload in workloads)
        {
            rows.Add(new ContentionRow(workload, null, 0));
            foreach (var batch in batches)
            {
                rows.Add(new ContentionRow(workload, batch, 0));
            }

            foreach (var cap in caps)
            {
                if (cap < largest)
                {
                    rows.Add(new ContentionRow(workload, largest, cap));
                }
            }
        }

        return rows;
    }

    /// <summary>
    /// Runs every row for <see cref="ContentionSettings.PerConfiguration"/> in
    /// <see cref="ContentionSettings.Slices"/> interleaved slices, the advisor on the calling
    /// thread and the writer on a thread of its own.
    /// </summary>
    public static ContentionMeasurement Run(
        IReadOnlyList<IAdviceWorkload> workloads,
        ContentionSettings settings,
        IProgressSink? progress,
        CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var rows = Rows(workloads, settings.Batches, settings.Caps);
        var writers = new Dictionary<IAdviceWorkload, IMmapWriter>();
        using var writerThread = new WriterThread();
        var partial = false;
        var slices = 0;
        try
        {
            foreach (var workload in workloads)
            {
                writers[workload] = workload.CreateWriter(settings.Writer);
            }

            if (settings.WarmUp)
            {
                partial = !WarmUp(workloads, settings.Batches, writers, progress, cancel);
            }

            var slice = settings.PerConfiguration / settings.Slices;
            var order = new int[rows.Count];
            var total = (double)settings.Slices * rows.Count;
            for (var round = 0; round < settings.Slices && !partial; round++)
            {
                RoundOrder.Fill(order, ShuffleSeed + round);
                for (var i = 0; i < order.Length; i++)
                {
                    if (cancel.IsCancellationRequested)
                    {
                        partial = true;
                        break;
                    }

                    var row = rows[order[i]];
                    if (row.Error is not null)
                    {
                        continue;
                    }

                    progress?.Report(((round * rows.Count) + i) / total, $"slice {round + 1}/{settings.Slices}: {row.Workload.Label}, {row.AdvisorLabel}");
                    RunSlice(row, writers[row.Workload], writerThread, slice, settings.Interval, cancel);
                }

                if (!partial)
                {
                    slices++;
                }
            }
        }
        finally
        {
            foreach (var writer in writers.Values)
            {
                writer.Dispose();
            }
        }

        progress?.Report(1, "done");
        return new ContentionMeasurement(rows, slices, partial, clock.Elapsed);
    }

    /// <summary>One slice: the writer runs while the advisor populates and advises until the slice's time is up.</summary>
    private static void RunSlice(ContentionRow row, IMmapWriter writer, WriterThread writerThread, TimeSpan slice, TimeSpan interval, CancellationToken cancel)
    {
        var noGc = TryStartNoGc();
        var start = Stopwatch.GetTimestamp();
        try
        {
            writerThread.Start(writer, row.WriterLatency, recordAlways: row.IsIdle, interval);
            if (row.IsIdle)
            {
                cancel.WaitHandle.WaitOne(slice);
            }
            else
            {
                var batch = row.Batch!.Value;
                while (Stopwatch.GetElapsedTime(start) < slice && !cancel.IsCancellationRequested)
                {
                    var error = row.Workload.Populate();
                    if (error is not null)
                    {
                        row.Fail("advisor: " + error);
                        break;
                    }

                    writerThread.Advising = true;
                    var pass = row.Workload.RunPass(batch, row.Cap);
                    writerThread.Advising = false;
                    row.AddPass(pass);
                    if (row.Error is not null)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            writerThread.Advising = false;
            if (writerThread.Stop() is { } writerError)
            {
                row.Fail(writerError);
            }

            row.SliceNanoseconds += Timing.Nanoseconds(start, Stopwatch.GetTimestamp());
            EndNoGc(noGc);
        }
    }

    /// <summary>Runs each advising path and the writer once per workload, unrecorded (JIT, first use of frames).</summary>
    /// <returns>False when cancelled.</returns>
    private static bool WarmUp(IReadOnlyList<IAdviceWorkload> workloads, IReadOnlyList<int> batches, Dictionary<IAdviceWorkload, IMmapWriter> writers, IProgressSink? progress, CancellationToken cancel)
    {
        var paths = EvalRunner.WarmUpBatches(batches);
        foreach (var workload in workloads)
        {
            foreach (var batch in paths)
            {
                if (cancel.IsCancellationRequested)
                {
                    return false;
                }

                progress?.Report(0, string.Create(CultureInfo.InvariantCulture, $"warm-up: {workload.Label}, batch {batch}"));
                if (workload.Populate() is null)
                {
                    workload.RunPass(batch, 0);
                }
            }

            // An even number of steps leaves the writer's page as it found it.
            var writer = writers[workload];
            for (var i = 0; i < 2000; i++)
            {
                if (writer.Step() != 0)
                {
                    break;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Keeps the garbage collector out of the slice (a collection pauses the writer thread and
    /// would show up as writer latency); false when the runtime refuses.
    /// </summary>
    private static bool TryStartNoGc()
    {
        try
        {
            return GC.TryStartNoGCRegion(NoGcBytes);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void EndNoGc(bool started)
    {
        if (started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            GC.EndNoGCRegion();
        }
    }
}
