using HdrHistogram;

namespace Madvise.Measurement.Contention;

/// <summary>
/// One configuration of <c>madv contention</c>: a workload's advisor at one batch size (or idle,
/// or with a per-call cap) while the writer runs, and what both measured.
/// </summary>
public sealed class ContentionRow
{
    /// <summary>Highest writer latency the histogram tracks (10 s); longer samples are recorded as this.</summary>
    public const long HighestTrackableNanoseconds = 10_000_000_000;

    /// <summary>Creates a row; <paramref name="batch"/> null is the idle baseline (writer alone).</summary>
    public ContentionRow(IAdviceWorkload workload, int? batch, int cap)
    {
        Workload = workload;
        Batch = batch;
        Cap = cap;
    }

    /// <summary>The workload.</summary>
    public IAdviceWorkload Workload { get; }

    /// <summary>The advisor's batch size (0 = madvise() loop); null when the advisor is idle.</summary>
    public int? Batch { get; }

    /// <summary>The per-call cap on ranges (the advice batcher's MaxRangesPerCall); 0 for none.</summary>
    public int Cap { get; }

    /// <summary>True for the baseline row: the writer runs alone.</summary>
    public bool IsIdle => Batch is null;

    /// <summary>
    /// Writer latencies in nanoseconds: every operation for the idle row, otherwise those that
    /// started while the advisor was inside a timed pass. Written by the writer thread during a
    /// slice, read by the advising thread between slices.
    /// </summary>
    public LongHistogram WriterLatency { get; } = new(HighestTrackableNanoseconds, 3);

    /// <summary>Timed advisor passes.</summary>
    public int AdvisorPasses { get; private set; }

    /// <summary>Total time of the timed passes, in nanoseconds.</summary>
    public long AdvisorNanoseconds { get; private set; }

    /// <summary>Wall time of the slices, in nanoseconds.</summary>
    public long SliceNanoseconds { get; set; }

    /// <summary>Why the row stopped being measured; null while it works.</summary>
    public string? Error { get; private set; }

    /// <summary>Bytes advised per second of advising, in GiB/s; null for the idle row or without passes.</summary>
    public double? AdvisorGibPerSecond => AdvisorPasses == 0 || AdvisorNanoseconds == 0
        ? null
        : AdvisorPasses * (double)Workload.Spec.Mem / (1UL << 30) / (AdvisorNanoseconds / 1e9);

    /// <summary>Mean time of a pass in nanoseconds; null without passes.</summary>
    public double? AdvisorMeanNanoseconds => AdvisorPasses == 0 ? null : (double)AdvisorNanoseconds / AdvisorPasses;

    /// <summary>"idle", "madvise", "1024" or "1024 cap 32".</summary>
    public string AdvisorLabel => Batch switch
    {
        null => "idle",
        0 => "madvise",
        { } b when Cap > 0 => $"{b} cap {Cap}",
        { } b => b.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Adds a timed advisor pass; a failed pass marks the row failed.</summary>
    public void AddPass(PassResult pass)
    {
        if (pass.Error is not null)
        {
            Fail("advisor: " + pass.Error);
            return;
        }

        AdvisorPasses++;
        AdvisorNanoseconds += pass.Nanoseconds;
    }

    /// <summary>Marks the row failed; the first reason is kept.</summary>
    public void Fail(string error) => Error ??= error;
}
