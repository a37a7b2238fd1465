using System.Text.Json;
using Madvise.Cli.Eval;

namespace Madvise.Cli.Report;

/// <summary>
/// <c>madv eval --json</c>: a header describing the machine and the run, then one record per
/// (target, profile, batch). The schema is documented in the README ("madv-eval/1").
/// </summary>
internal static class EvalJson
{
    /// <summary>The schema name and version written into every file.</summary>
    public const string Schema = "madv-eval/1";

    /// <summary>Writes <paramref name="report"/> as indented UTF-8 JSON.</summary>
    public static void Write(Stream stream, EvalReport report)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        var m = report.Measurement;
        var spec = report.Spec;
        json.WriteStartObject();
        JsonHeader.Write(json, Schema, report.Machine, report.StartedUtc, m.Elapsed, EvalRunner.Method, m.Partial);
        json.WriteNumber("rounds", m.Rounds);
        json.WriteString("hint", spec.HintName);
        json.WriteNumber("mem", spec.Mem);
        json.WriteNumber("unit", spec.Unit);
        json.WriteStartArray("notes");
        foreach (var note in report.Notes)
        {
            json.WriteStringValue(note);
        }

        json.WriteEndArray();
        json.WriteStartArray("records");
        foreach (var cell in m.Cells)
        {
            json.WriteStartObject();
            json.WriteString("target", cell.Workload.Target);
            json.WriteString("profile", cell.Workload.Profile);
            json.WriteString("hint", spec.HintName);
            json.WriteNumber("mem", spec.Mem);
            json.WriteNumber("unit", spec.Unit);
            json.WriteNumber("batch", cell.Batch);
            var measured = cell.Error is null && cell.Passes > 0;
            JsonHeader.WriteNumberOrNull(json, "mean_ns", measured ? Math.Round(cell.Time.Mean, 1) : null);
            JsonHeader.WriteNumberOrNull(json, "stddev_ns", measured ? Math.Round(cell.Time.StandardDeviation, 1) : null);
            json.WriteNumber("passes", cell.Error is null ? cell.Passes : 0);
            JsonHeader.WriteNumberOrNull(json, "mmap_lock_per_pass", cell.LocksPerPass);
            JsonHeader.WriteNumberOrNull(json, "tlb_flushes_per_pass", cell.TlbFlushesPerPass);
            json.WriteString("error", cell.Error);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
