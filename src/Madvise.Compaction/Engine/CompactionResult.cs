using HdrHistogram;
using Madvise.Compaction.Planning;

namespace Madvise.Compaction.Engine;

/// <summary>
/// What a compaction did and what it gave: Android's statistics (RSS before and after, anonymous
/// memory freed, efficiency, cost in CPU ms per MB freed) plus the distribution of call durations
/// against the budget.
/// </summary>
public sealed class CompactionResult
{
    /// <summary>Highest call duration the histograms track (60 s); longer ones are recorded as this.</summary>
    public const long HighestTrackableNanoseconds = 60_000_000_000;

    internal CompactionResult(string target, int pid, CompactionOptions options)
    {
        Target = target;
        Pid = pid;
        Options = options;
    }

    /// <summary>The target's description.</summary>
    public string Target { get; }

    /// <summary>The target's pid.</summary>
    public int Pid { get; }

    /// <summary>The options it ran with.</summary>
    public CompactionOptions Options { get; }

    /// <summary>The plan; null when the mappings could not be read.</summary>
    public CompactionPlan? Plan { get; internal set; }

    /// <summary>How it ended.</summary>
    public CompactionOutcome Outcome { get; internal set; }

    /// <summary>The errno that stopped it (ESRCH, EPERM ...); null otherwise.</summary>
    public int? StopErrno { get; internal set; }

    /// <summary>Why it stopped, for a user; null when it completed.</summary>
    public string? Message { get; internal set; }

    /// <summary>Things the user should know (no swap, every range refused ...).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Errors met, one entry per (errno, advice, action).</summary>
    public List<CompactionError> Errors { get; } = [];

    /// <summary>Per advice: calls, ranges, bytes, time.</summary>
    public List<AdviceTally> PerAdvice { get; } = [];

    /// <summary>process_madvise() calls made (the empty-vector probes not counted).</summary>
    public int Calls { get; internal set; }

    /// <summary>The calls a dry run would make under the fixed strategy or, for the budget strategy, with the prior cost model.</summary>
    public int? PlannedCalls { get; internal set; }

    /// <summary>iovec entries sent.</summary>
    public long Ranges { get; internal set; }

    /// <summary>Bytes the calls reported advised.</summary>
    public ulong BytesAdvised { get; internal set; }

    /// <summary>Bytes skipped after errors.</summary>
    public ulong BytesSkipped { get; internal set; }

    /// <summary>Wall time of each call, in nanoseconds.</summary>
    public LongHistogram CallWall { get; } = new(HighestTrackableNanoseconds, 3);

    /// <summary>CPU time of each call, in nanoseconds.</summary>
    public LongHistogram CallCpu { get; } = new(HighestTrackableNanoseconds, 3);

    /// <summary>Calls whose wall time exceeded the budget.</summary>
    public int CallsOverBudget { get; internal set; }

    /// <summary>Wall time of the last call made; null without calls.</summary>
    public long? LastCallNanoseconds { get; internal set; }

    /// <summary>Wall time of the shortest call made; null without calls.</summary>
    public long? CheapestCallNanoseconds { get; internal set; }

    /// <summary>CPU time of the compacting thread from reading the maps to the end of the last call.</summary>
    public long CpuNanoseconds { get; internal set; }

    /// <summary>Wall time of the same span.</summary>
    public long WallNanoseconds { get; internal set; }

    /// <summary>CPU time of the process_madvise() calls alone.</summary>
    public long CallsCpuNanoseconds { get; internal set; }

    /// <summary>The target's memory before; null when it could not be read.</summary>
    public MemoryRollup? Before { get; internal set; }

    /// <summary>The target's memory after; null when it could not be read (it exited).</summary>
    public MemoryRollup? After { get; internal set; }

    /// <summary>Swap before.</summary>
    public SwapState? SwapBefore { get; internal set; }

    /// <summary>Swap after.</summary>
    public SwapState? SwapAfter { get; internal set; }

    /// <summary>Call wall-time percentile in nanoseconds; null without calls.</summary>
    public long? CallWallPercentile(double percentile) => CallWall.TotalCount == 0 ? null : CallWall.GetValueAtPercentile(percentile);

    /// <summary>Longest call (wall); null without calls.</summary>
    public long? CallWallMax => CallWall.TotalCount == 0 ? null : CallWall.GetMaxValue();

    /// <summary>Call CPU-time percentile in nanoseconds; null without calls.</summary>
    public long? CallCpuPercentile(double percentile) => CallCpu.TotalCount == 0 ? null : CallCpu.GetValueAtPercentile(percentile);

    /// <summary>Resident memory that went away: RSS before − after (never negative); null without both.</summary>
    public long? ReclaimedKiB => Before is { } b && After is { } a ? Math.Max(0, b.RssKiB - a.RssKiB) : null;

    /// <summary>Anonymous RSS that went away (Android's anonRssSavings); null without both.</summary>
    public long? AnonFreedKiB => Before is { } b && After is { } a ? Math.Max(0, b.AnonKiB - a.AnonKiB) : null;

    /// <summary>File and shmem RSS that went away; null without both.</summary>
    public long? FileFreedKiB => Before is { } b && After is { } a ? Math.Max(0, b.FileKiB - a.FileKiB) : null;

    /// <summary>What the zram devices grew by to hold the pages (Android's zramConsumed); null without zram.</summary>
    public long? ZramConsumedKiB => SwapBefore?.ZramUsedKiB is { } b && SwapAfter?.ZramUsedKiB is { } a ? Math.Max(0, a - b) : null;

    /// <summary>Anonymous memory freed net of what zram took to hold it (Android's memFreed).</summary>
    public long? MemFreedKiB => AnonFreedKiB is { } anon ? Math.Max(0, anon - (ZramConsumedKiB ?? 0)) : null;

    /// <summary>Android's efficiency: memory freed / anonymous RSS before; null when there was none.</summary>
    public double? Efficiency => MemFreedKiB is { } freed && Before is { AnonKiB: > 0 } b ? freed / (double)b.AnonKiB : null;

    /// <summary>Android's cost: CPU milliseconds per MB freed; null when nothing was freed.</summary>
    public double? CostMsPerMb => MemFreedKiB is { } freed && freed > 0 ? CpuNanoseconds / 1e6 / (freed / 1024.0) : null;

    /// <summary>Resident bytes that went away per second of the compactor's CPU time; null without both rollups or CPU time.</summary>
    public double? ReclaimedBytesPerCpuSecond => ReclaimedKiB is { } kib && CpuNanoseconds > 0 ? kib * 1024.0 / (CpuNanoseconds / 1e9) : null;

    /// <summary>The tally of <paramref name="advice"/>, created on first use.</summary>
    internal AdviceTally Tally(MemoryAdvice advice)
    {
        foreach (var t in PerAdvice)
        {
            if (t.Advice == advice)
            {
                return t;
            }
        }

        var tally = new AdviceTally(advice);
        PerAdvice.Add(tally);
        return tally;
    }

    /// <summary>The error entry for (<paramref name="errno"/>, <paramref name="advice"/>, <paramref name="action"/>), created on first use.</summary>
    internal CompactionError Error(int errno, MemoryAdvice advice, string action, ulong address)
    {
        foreach (var e in Errors)
        {
            if (e.Errno == errno && e.Advice == advice && e.Action == action)
            {
                return e;
            }
        }

        var error = new CompactionError(errno, advice, action) { FirstAddress = address };
        Errors.Add(error);
        return error;
    }
}
