using System.Text.Json;
using HdrHistogram;

namespace Madvise.Measurement.Reporting;

/// <summary><c>madv contention --json</c>: the machine header, then one record per (target, profile, advisor configuration). Schema "madv-contention/2" in the README.</summary>
public static class ContentionJson
{
    /// <summary>The schema name and version written into every file.</summary>
    public const string Schema = "madv-contention/2";

    /// <summary>Writes <paramref name="report"/> as indented UTF-8 JSON.</summary>
    public static void Write(Stream stream, ContentionReport report)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        var m = report.Measurement;
        var s = report.Settings;
        var spec = s.Spec;
        json.WriteStartObject();
        JsonHeader.Write(json, Schema, report.Machine, report.StartedUtc, m.Elapsed, ContentionRunner.Method, m.Partial);
        json.WriteString("hint", spec.HintName);
        json.WriteNumber("mem", spec.Mem);
        json.WriteNumber("unit", spec.Unit);
        json.WriteString("writer", report.WriterName);
        json.WriteNumber("writer_interval_us", s.Interval.TotalMicroseconds);
        json.WriteNumber("seconds_per_configuration", s.PerConfiguration.TotalSeconds);
        json.WriteNumber("slices", m.Slices);
        json.WriteStartArray("notes");
        foreach (var note in s.Targets.Notes)
        {
            json.WriteStringValue(note);
        }

        json.WriteEndArray();
        json.WriteStartArray("records");
        foreach (var row in m.Rows)
        {
            json.WriteStartObject();
            json.WriteString("target", row.Workload.Target);
            json.WriteString("profile", row.Workload.Profile);
            json.WriteString("hint", spec.HintName);
            json.WriteNumber("mem", spec.Mem);
            json.WriteNumber("unit", spec.Unit);
            JsonHeader.WriteNumberOrNull(json, "batch", row.Batch);
            JsonHeader.WriteNumberOrNull(json, "cap", row.Cap > 0 ? row.Cap : null);
            json.WriteNumber("advisor_passes", row.AdvisorPasses);
            JsonHeader.WriteNumberOrNull(json, "advisor_mean_pass_ns", row.AdvisorMeanNanoseconds is { } mean ? Math.Round(mean, 1) : null);
            JsonHeader.WriteNumberOrNull(json, "advisor_gib_per_s", row.AdvisorGibPerSecond is { } rate ? Math.Round(rate, 4) : null);
            var h = row.WriterLatency;
            var sampled = row.Error is null && h.TotalCount > 0;
            json.WriteNumber("writer_samples", h.TotalCount);
            JsonHeader.WriteNumberOrNull(json, "writer_p50_ns", sampled ? h.GetValueAtPercentile(50) : null);
            JsonHeader.WriteNumberOrNull(json, "writer_p99_ns", sampled ? h.GetValueAtPercentile(99) : null);
            EvalJson.WriteInterval(json, "writer_p99_ci95_ns", sampled ? QuantileEstimate.Of(h, 99).Interval : null, 0);
            JsonHeader.WriteNumberOrNull(json, "writer_p999_ns", sampled ? h.GetValueAtPercentile(99.9) : null);
            JsonHeader.WriteNumberOrNull(json, "writer_max_ns", sampled ? h.GetMaxValue() : null);
            JsonHeader.WriteNumberOrNull(json, "writer_mean_ns", sampled ? Math.Round(h.GetMean(), 1) : null);
            json.WriteString("error", row.Error);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
