using System.Globalization;
using HdrHistogram;
using Madvise.Cli.Compact;
using Madvise.Compaction;
using Madvise.Compaction.Engine;

namespace Madvise.Cli.Report;

/// <summary><c>madv compact</c>'s report on the terminal: the plan, the calls against the budget, the memory before and after, errors, notes.</summary>
internal static class CompactText
{
    /// <summary>Writes the report of <paramref name="result"/>.</summary>
    public static void Write(TextWriter w, CompactionResult result)
    {
        var o = result.Options;
        var sizing = o.Strategy == SizingStrategy.Fixed
            ? $"fixed batches of up to {o.MaxRanges:#,0} ranges and {Bytes(o.MaxBytes)} (Android)"
            : $"budget {DurationText.Format(BudgetNs(o))} per call (sized for {DurationText.Format(BudgetNs(o) * o.TargetFraction)})";
        w.WriteLine($"madv compact: {result.Target}, mode {o.Mode.ToString().ToLowerInvariant()}{(o.FilePageout ? " with file PAGEOUT" : string.Empty)}, {sizing}");
        if (result.Plan is { } plan)
        {
            w.WriteLine(Invariant($"plan: {plan.MappingsRead:#,0} mappings read, {plan.MappingsRead - plan.MappingsLeftOut:#,0} to advise, {plan.MappingsLeftOut:#,0} left out"));
            foreach (var phase in plan.Phases)
            {
                var reserved = phase.ReservedBytes > 0 ? $" ({Bytes(phase.ReservedBytes)} of it PROT_NONE)" : string.Empty;
                w.WriteLine(Invariant($"  {Name(phase.Advice),-8} {phase.Vmas,7:#,0} VMAs  {Bytes(phase.Bytes)}{reserved}"));
            }
        }

        if (result.Outcome == CompactionOutcome.DryRun)
        {
            var estimate = o.Strategy == SizingStrategy.Fixed ? "exactly, if every call completes" : "with the initial cost model; the real number follows what calls cost";
            w.WriteLine(Invariant($"dry run: {result.PlannedCalls:#,0} calls ({estimate}); nothing advised"));
            WriteNotes(w, result);
            return;
        }

        var perAdvice = string.Join(", ", result.PerAdvice.Select(t => Invariant($"{Name(t.Advice)} {t.Calls:#,0}")));
        w.WriteLine(Invariant($"calls: {result.Calls:#,0}{(perAdvice.Length > 0 ? $" ({perAdvice})" : string.Empty)}, {result.Ranges:#,0} ranges, {Bytes(result.BytesAdvised)} advised, {Bytes(result.BytesSkipped)} skipped"));
        if (result.Calls > 0)
        {
            w.WriteLine(Invariant($"call wall time: p50 {Time(result.CallWallPercentile(50))}  p99 {Time(result.CallWallPercentile(99))}  max {Time(result.CallWallMax)}; {result.CallsOverBudget:#,0} over {DurationText.Format(BudgetNs(o))}; last call {Time(result.LastCallNanoseconds)}"));
            w.WriteLine(Invariant($"call CPU time:  p50 {Time(result.CallCpuPercentile(50))}  p99 {Time(result.CallCpuPercentile(99))}  max {Time(result.CallCpu.GetMaxValue())}"));
        }

        w.WriteLine(Invariant($"compactor: {DurationText.Format(result.CpuNanoseconds)} CPU, {DurationText.Format(result.WallNanoseconds)} wall (maps, probes and calls)"));
        if (result.Before is { } b)
        {
            var a = result.After;
            w.WriteLine("memory (KiB)      before        after       change");
            Row(w, "rss", b.RssKiB, a?.RssKiB);
            Row(w, "anon", b.AnonKiB, a?.AnonKiB);
            Row(w, "file+shmem", b.FileKiB, a?.FileKiB);
            Row(w, "swap", b.SwapKiB, a?.SwapKiB);
        }

        if (result.AnonFreedKiB is { } freed)
        {
            var zram = result.ZramConsumedKiB is { } z ? Invariant($", zram grew {z:#,0} KiB: {result.MemFreedKiB:#,0} KiB freed net") : string.Empty;
            var efficiency = result.Efficiency is { } e ? Invariant($"; efficiency {e:0.000}") : string.Empty;
            var cost = result.CostMsPerMb is { } c ? Invariant($"; cost {c:0.00} CPU ms/MB") : string.Empty;
            w.WriteLine(Invariant($"anon freed {freed:#,0} KiB{zram}{efficiency}{cost}"));
        }

        if (result.Errors.Count > 0)
        {
            w.WriteLine("errors:");
            foreach (var e in result.Errors)
            {
                w.WriteLine(Invariant($"  {e.Name,-12} {Name(e.Advice),-8} {e.Count,5:#,0}x  {e.Action,-20} {Bytes(e.BytesSkipped),10} skipped  first at 0x{e.FirstAddress:x}"));
            }
        }

        WriteNotes(w, result);
        var outcome = result.Outcome switch
        {
            CompactionOutcome.Completed => "completed",
            CompactionOutcome.Cancelled => "cancelled",
            CompactionOutcome.DeadlineReached => "deadline reached",
            CompactionOutcome.TargetExited => "the target exited",
            _ => "failed",
        };
        var lastCall = result.Outcome is CompactionOutcome.Cancelled or CompactionOutcome.DeadlineReached && result.LastCallNanoseconds is { } last
            ? $" (the last call took {DurationText.Format(last)})"
            : string.Empty;
        w.WriteLine(result.Message is { } m ? $"{outcome}: {m}{lastCall}" : outcome);
    }

    /// <summary>Human-readable bytes: <c>512 B</c>, <c>36.0 KiB</c>, <c>120.5 MiB</c>, <c>51.20 GiB</c>.</summary>
    public static string Bytes(double bytes) => bytes switch
    {
        < 1024 => Invariant($"{bytes:0} B"),
        < 1 << 20 => Invariant($"{bytes / 1024:0.0} KiB"),
        < 1 << 30 => Invariant($"{bytes / (1 << 20):0.0} MiB"),
        _ => Invariant($"{bytes / (1L << 30):0.00} GiB"),
    };

    /// <summary>The advice without MADV_.</summary>
    public static string Name(MemoryAdvice advice) => MemoryAdviceNames.Name(advice) ?? advice.ToString();

    /// <summary>The budget in nanoseconds.</summary>
    public static double BudgetNs(CompactionOptions options) => options.Budget.TotalMilliseconds * 1e6;

    private static void WriteNotes(TextWriter w, CompactionResult result)
    {
        foreach (var note in result.Notes)
        {
            w.WriteLine("note: " + note);
        }
    }

    private static void Row(TextWriter w, string name, long before, long? after) =>
        w.WriteLine(Invariant($"  {name,-12} {before,11:#,0}  {(after is { } a ? a.ToString("#,0", CultureInfo.InvariantCulture) : "-"),11}  {(after is { } x ? (x - before).ToString("+#,0;-#,0;0", CultureInfo.InvariantCulture) : "-"),11}"));

    private static string Time(long? nanoseconds) => nanoseconds is { } ns ? DurationText.Format(ns) : "-";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
