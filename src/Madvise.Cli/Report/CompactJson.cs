using System.Globalization;
using System.Text.Json;
using HdrHistogram;
using Madvise.Compaction;
using Madvise.Compaction.Engine;

namespace Madvise.Cli.Report;

/// <summary>
/// <c>madv compact --json</c>: the machine, the target, the options and every statistic of one
/// compaction. The schema (<c>madv-compact/1</c>) is documented in the README.
/// </summary>
internal static class CompactJson
{
    /// <summary>The schema name and version.</summary>
    public const string Schema = "madv-compact/1";

    /// <summary>What the method field says.</summary>
    public const string Method = "process_madvise() on a pidfd of the target; memory from /proc/PID/smaps_rollup before and after; " +
        "call times from Stopwatch (wall) and CLOCK_THREAD_CPUTIME_ID (CPU) around each call";

    /// <summary>Describes the target for the file.</summary>
    /// <param name="Kind"><c>host</c> or <c>sim</c>.</param>
    /// <param name="Profile">The simulated kernel's profile; null for the host.</param>
    public sealed record TargetInfo(string Kind, string? Profile);

    /// <summary>Writes <paramref name="result"/> as indented UTF-8 JSON.</summary>
    public static void Write(Stream stream, CompactionResult result, TargetInfo target, MachineInfo machine, DateTimeOffset started)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        JsonHeader.Write(json, Schema, machine, started, TimeSpan.FromTicks(result.WallNanoseconds / 100), Method, result.Outcome is CompactionOutcome.Cancelled or CompactionOutcome.DeadlineReached);
        WriteResult(json, result, target);
        json.WriteEndObject();
    }

    /// <summary>Writes the fields of one compaction into the open object (also used by the benchmark's records).</summary>
    public static void WriteResult(Utf8JsonWriter json, CompactionResult result, TargetInfo target)
    {
        var o = result.Options;
        json.WriteStartObject("target");
        json.WriteString("kind", target.Kind);
        json.WriteNumber("pid", result.Pid);
        json.WriteString("description", result.Target);
        json.WriteString("profile", target.Profile);
        JsonHeader.WriteNumberOrNull(json, "swap_total_kib", result.SwapBefore?.TotalKiB);
        json.WriteEndObject();
        json.WriteString("mode", o.Mode.ToString().ToLowerInvariant());
        json.WriteString("strategy", o.Strategy.ToString().ToLowerInvariant());
        json.WriteBoolean("file_pageout", o.FilePageout);
        json.WriteBoolean("dry_run", o.DryRun);
        json.WriteNumber("budget_ns", (long)CompactText.BudgetNs(o));
        json.WriteNumber("target_fraction", o.TargetFraction);
        json.WriteNumber("max_ranges", o.MaxRanges);
        json.WriteNumber("max_bytes", o.MaxBytes);
        JsonHeader.WriteNumberOrNull(json, "deadline_ns", o.Deadline is { } d ? d.TotalMilliseconds * 1e6 : null);
        json.WriteString("outcome", Outcome(result.Outcome));
        json.WriteString("stop_errno", result.StopErrno is { } e ? Errno.Name(e) : null);
        json.WriteString("message", result.Message);
        json.WriteStartObject("plan");
        JsonHeader.WriteNumberOrNull(json, "mappings_read", result.Plan?.MappingsRead);
        JsonHeader.WriteNumberOrNull(json, "mappings_left_out", result.Plan?.MappingsLeftOut);
        json.WriteStartArray("phases");
        foreach (var phase in result.Plan?.Phases ?? [])
        {
            json.WriteStartObject();
            json.WriteString("advice", CompactText.Name(phase.Advice));
            json.WriteNumber("vmas", phase.Vmas);
            json.WriteNumber("bytes", phase.Bytes);
            json.WriteNumber("reserved_bytes", phase.ReservedBytes);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        JsonHeader.WriteNumberOrNull(json, "planned_calls", result.PlannedCalls);
        json.WriteNumber("calls", result.Calls);
        json.WriteNumber("ranges", result.Ranges);
        json.WriteNumber("bytes_advised", result.BytesAdvised);
        json.WriteNumber("bytes_skipped", result.BytesSkipped);
        JsonHeader.WriteNumberOrNull(json, "call_p50_ns", result.CallWallPercentile(50));
        JsonHeader.WriteNumberOrNull(json, "call_p99_ns", result.CallWallPercentile(99));
        JsonHeader.WriteNumberOrNull(json, "call_max_ns", result.CallWallMax);
        JsonHeader.WriteNumberOrNull(json, "call_mean_ns", result.Calls > 0 ? Math.Round(result.CallWall.GetMean(), 1) : null);
        json.WriteNumber("calls_over_budget", result.CallsOverBudget);
        JsonHeader.WriteNumberOrNull(json, "last_call_ns", result.LastCallNanoseconds);
        JsonHeader.WriteNumberOrNull(json, "call_cpu_p50_ns", result.CallCpuPercentile(50));
        JsonHeader.WriteNumberOrNull(json, "call_cpu_p99_ns", result.CallCpuPercentile(99));
        JsonHeader.WriteNumberOrNull(json, "call_cpu_max_ns", result.Calls > 0 ? result.CallCpu.GetMaxValue() : null);
        json.WriteNumber("cpu_ns", result.CpuNanoseconds);
        json.WriteNumber("wall_ns", result.WallNanoseconds);
        json.WriteNumber("calls_cpu_ns", result.CallsCpuNanoseconds);
        JsonHeader.WriteNumberOrNull(json, "rss_before_kib", result.Before?.RssKiB);
        JsonHeader.WriteNumberOrNull(json, "rss_after_kib", result.After?.RssKiB);
        JsonHeader.WriteNumberOrNull(json, "anon_before_kib", result.Before?.AnonKiB);
        JsonHeader.WriteNumberOrNull(json, "anon_after_kib", result.After?.AnonKiB);
        JsonHeader.WriteNumberOrNull(json, "file_before_kib", result.Before?.FileKiB);
        JsonHeader.WriteNumberOrNull(json, "file_after_kib", result.After?.FileKiB);
        JsonHeader.WriteNumberOrNull(json, "swap_before_kib", result.Before?.SwapKiB);
        JsonHeader.WriteNumberOrNull(json, "swap_after_kib", result.After?.SwapKiB);
        JsonHeader.WriteNumberOrNull(json, "anon_freed_kib", result.AnonFreedKiB);
        JsonHeader.WriteNumberOrNull(json, "zram_consumed_kib", result.ZramConsumedKiB);
        JsonHeader.WriteNumberOrNull(json, "mem_freed_kib", result.MemFreedKiB);
        JsonHeader.WriteNumberOrNull(json, "reclaimed_kib", result.ReclaimedKiB);
        JsonHeader.WriteNumberOrNull(json, "efficiency", result.Efficiency is { } eff ? Math.Round(eff, 4) : null);
        JsonHeader.WriteNumberOrNull(json, "cost_ms_per_mb", result.CostMsPerMb is { } cost ? Math.Round(cost, 3) : null);
        JsonHeader.WriteNumberOrNull(json, "reclaimed_bytes_per_cpu_s", result.ReclaimedBytesPerCpuSecond is { } rate ? Math.Round(rate) : null);
        json.WriteStartArray("per_advice");
        foreach (var t in result.PerAdvice)
        {
            json.WriteStartObject();
            json.WriteString("advice", CompactText.Name(t.Advice));
            json.WriteNumber("calls", t.Calls);
            json.WriteNumber("ranges", t.Ranges);
            json.WriteNumber("bytes_advised", t.BytesAdvised);
            json.WriteNumber("cpu_ns", t.CpuNanoseconds);
            json.WriteNumber("wall_ns", t.WallNanoseconds);
            json.WriteNumber("call_max_ns", t.MaxWallNanoseconds);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("errors");
        foreach (var err in result.Errors)
        {
            json.WriteStartObject();
            json.WriteString("errno", err.Errno == 0 ? null : Errno.Name(err.Errno));
            json.WriteString("kind", err.Name);
            json.WriteString("advice", CompactText.Name(err.Advice));
            json.WriteNumber("count", err.Count);
            json.WriteString("action", err.Action);
            json.WriteNumber("bytes_skipped", err.BytesSkipped);
            json.WriteString("first_address", "0x" + err.FirstAddress.ToString("x", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("notes");
        foreach (var note in result.Notes)
        {
            json.WriteStringValue(note);
        }

        json.WriteEndArray();
    }

    /// <summary>The outcome's JSON spelling.</summary>
    public static string Outcome(CompactionOutcome outcome) => outcome switch
    {
        CompactionOutcome.Completed => "completed",
        CompactionOutcome.DryRun => "dry_run",
        CompactionOutcome.Cancelled => "cancelled",
        CompactionOutcome.DeadlineReached => "deadline",
        CompactionOutcome.TargetExited => "target_exited",
        _ => "failed",
    };
}
