using System.Text.Json;
using HdrHistogram;

namespace Madvise.Measurement.Reporting;

/// <summary><c>madv compact-bench --json</c>: the machine header, the settings, one record per (kernel, compactor) and the goal per kernel. Schema "madv-compact-bench/1" in the README.</summary>
public static class CompactBenchJson
{
    /// <summary>The schema name and version.</summary>
    public const string Schema = "madv-compact-bench/1";

    /// <summary>Writes <paramref name="report"/> as indented UTF-8 JSON.</summary>
    public static void Write(Stream stream, CompactBenchReport report)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        var m = report.Measurement;
        var s = report.Settings;
        json.WriteStartObject();
        JsonHeader.Write(json, Schema, report.Machine, report.StartedUtc, m.Elapsed, CompactBenchRunner.Method, m.Partial);
        json.WriteNumber("mem", s.Mem);
        json.WriteNumber("vmas", s.Vmas);
        json.WriteNumber("seed", s.Seed);
        json.WriteNumber("sim_swap", s.SwapBytes);
        json.WriteString("mode", s.Mode.ToString().ToLowerInvariant());
        json.WriteNumber("budget_ns", (long)(s.Budget.TotalMilliseconds * 1e6));
        json.WriteNumber("runs", s.Runs);
        json.WriteNumber("idle_s", s.IdleTime.TotalSeconds);
        json.WriteNumber("writer_interval_us", s.WriterInterval.TotalMicroseconds);
        json.WriteStartArray("host_cpus");
        foreach (var placement in s.Placements)
        {
            json.WriteStringValue(HostCompactBenchKernel.Describe(placement));
        }

        json.WriteEndArray();
        json.WriteStartArray("notes");
        foreach (var note in m.Notes)
        {
            json.WriteStringValue(note);
        }

        json.WriteEndArray();
        json.WriteStartArray("records");
        foreach (var row in m.Rows)
        {
            WriteRow(json, row);
        }

        json.WriteEndArray();
        json.WriteStartArray("goals");
        foreach (var g in report.Goals)
        {
            json.WriteStartObject();
            json.WriteString("kernel", g.Kernel);
            json.WriteNumber("idle_p99_ns", g.IdleP99);
            json.WriteNumber("limit_ns", g.LimitNs);
            json.WriteNumber("fixed_writer_p99_ns", g.FixedP99.Value);
            json.WriteNumber("budget_writer_p99_ns", g.BudgetP99.Value);
            EvalJson.WriteInterval(json, "budget_writer_p99_ci95_ns", g.BudgetP99.Interval, 0);
            json.WriteBoolean("latency_met", g.LatencyMet);
            JsonHeader.WriteNumberOrNull(json, "efficiency_ratio", g.Efficiency is { } e ? Math.Round(e.Value, 4) : null);
            EvalJson.WriteInterval(json, "efficiency_ratio_ci95", g.Efficiency?.Interval, 4);
            if (g.EfficiencyMet is { } met)
            {
                json.WriteBoolean("efficiency_met", met);
            }
            else
            {
                json.WriteNull("efficiency_met");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteRow(Utf8JsonWriter json, CompactBenchRow row)
    {
        json.WriteStartObject();
        json.WriteString("kernel", row.Label);
        json.WriteString("target", row.Kind);
        json.WriteString("profile", row.Profile);
        json.WriteString("compactor", row.Strategy is null ? "idle" : row.Strategy.Strategy.ToString().ToLowerInvariant());
        JsonHeader.WriteNumberOrNull(json, "budget_ns", row.Strategy is { Strategy: Madvise.Compaction.SizingStrategy.Budget } b ? b.Budget.TotalMilliseconds * 1e6 : null);
        json.WriteNumber("runs", row.Runs.Count);
        var h = row.Writer;
        var sampled = h.TotalCount > 0;
        json.WriteNumber("writer_samples", h.TotalCount);
        JsonHeader.WriteNumberOrNull(json, "writer_p50_ns", sampled ? h.GetValueAtPercentile(50) : null);
        JsonHeader.WriteNumberOrNull(json, "writer_p99_ns", sampled ? h.GetValueAtPercentile(99) : null);
        EvalJson.WriteInterval(json, "writer_p99_ci95_ns", sampled ? QuantileEstimate.Of(h, 99).Interval : null, 0);
        JsonHeader.WriteNumberOrNull(json, "writer_max_ns", sampled ? h.GetMaxValue() : null);
        var c = row.Calls;
        var called = c.TotalCount > 0;
        JsonHeader.WriteNumberOrNull(json, "calls_per_run", row.Runs.Count > 0 ? Math.Round(row.MeanCalls, 1) : null);
        JsonHeader.WriteNumberOrNull(json, "call_p50_ns", called ? c.GetValueAtPercentile(50) : null);
        JsonHeader.WriteNumberOrNull(json, "call_p99_ns", called ? c.GetValueAtPercentile(99) : null);
        JsonHeader.WriteNumberOrNull(json, "call_max_ns", called ? c.GetMaxValue() : null);
        JsonHeader.WriteNumberOrNull(json, "call_cpu_p50_ns", called ? row.CallsCpu.GetValueAtPercentile(50) : null);
        JsonHeader.WriteNumberOrNull(json, "call_cpu_p99_ns", called ? row.CallsCpu.GetValueAtPercentile(99) : null);
        json.WriteNumber("calls_over_budget", row.CallsOverBudget);
        JsonHeader.WriteNumberOrNull(json, "remote_tlb_flushes_per_run", row.MeanRemoteTlbFlushes is { } flushes ? Math.Round(flushes, 1) : null);
        JsonHeader.WriteNumberOrNull(json, "cpu_ns_per_run", row.Runs.Count > 0 ? Math.Round(row.MeanCpuNanoseconds) : null);
        JsonHeader.WriteNumberOrNull(json, "reclaimed_kib_per_run", row.Runs.Count > 0 ? Math.Round(row.MeanReclaimedKiB, 1) : null);
        var rates = row.ReclaimedPerCpuSecond;
        var summary = SampleSummary.Of(rates);
        JsonHeader.WriteNumberOrNull(json, "reclaimed_bytes_per_cpu_s", rates.Count > 0 ? Math.Round(summary.Mean) : null);
        EvalJson.WriteInterval(json, "reclaimed_bytes_per_cpu_s_ci95", summary.MeanInterval, 0);
        json.WriteStartArray("runs_reclaimed_bytes_per_cpu_s");
        foreach (var r in rates)
        {
            json.WriteNumberValue(Math.Round(r));
        }

        json.WriteEndArray();
        json.WriteString("error", row.Error);
        json.WriteEndObject();
    }
}
