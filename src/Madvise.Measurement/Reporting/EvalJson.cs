using System.Text.Json;

namespace Madvise.Measurement.Reporting;

/// <summary>
/// <c>madv eval --json</c>: a header describing the machine and the run, then one record per
/// (target, profile, batch) with its raw pass times and their statistics, then the ratios of the
/// table. The schema is documented in the README ("madv-eval/2"); <c>madv compare</c> reads it.
/// </summary>
public static class EvalJson
{
    /// <summary>The schema name and version written into every file.</summary>
    public const string Schema = "madv-eval/2";

    /// <summary>Writes <paramref name="report"/> as indented UTF-8 JSON.</summary>
    public static void Write(Stream stream, EvalReport report)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        var m = report.Measurement;
        var spec = report.Spec;
        json.WriteStartObject();
        JsonHeader.Write(json, Schema, report.Machine, report.StartedUtc, m.Elapsed, EvalRunner.Method, m.Partial);
        JsonHeader.WriteNumberOrNull(json, "pin_cpu", report.PinCpu);
        json.WriteNumber("warmup_rounds", report.Warmup);
        json.WriteNumber("min_passes", report.Settings.Stop.MinRounds);
        json.WriteNumber("rounds", m.Rounds);
        json.WriteString("sibling_work", report.Settings.SiblingWork == SiblingWork.Touch ? "touch" : "sleep");
        json.WriteString("hint", spec.HintName);
        json.WriteNumber("mem", spec.Mem);
        json.WriteNumber("unit", spec.Unit);
        if (spec.ThpName is { } thp)
        {
            json.WriteString("thp_mode", thp);
        }

        WritePolicy(json, SamplePolicy.Default);
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
            json.WriteNumber("threads", cell.Workload.Threads);
            if (cell.Workload.HugeBlocks >= 0)
            {
                json.WriteNumber("huge_blocks", cell.Workload.HugeBlocks);
            }
            var measured = cell.IsMeasured;
            var t = cell.Time;
            json.WriteNumber("passes", measured ? cell.Passes : 0);
            JsonHeader.WriteNumberOrNull(json, "mean_ns", measured ? Math.Round(t.Mean, 1) : null);
            JsonHeader.WriteNumberOrNull(json, "stddev_ns", measured ? Math.Round(t.StandardDeviation, 1) : null);
            JsonHeader.WriteNumberOrNull(json, "median_ns", measured ? Math.Round(t.Median, 1) : null);
            JsonHeader.WriteNumberOrNull(json, "min_ns", measured ? t.Min : null);
            JsonHeader.WriteNumberOrNull(json, "max_ns", measured ? t.Max : null);
            JsonHeader.WriteNumberOrNull(json, "cv", measured ? Math.Round(t.CoefficientOfVariation, 4) : null);
            WriteInterval(json, "mean_ci95_ns", measured ? t.MeanInterval : null, 1);
            if (measured)
            {
                json.WriteStartObject("outliers");
                json.WriteNumber("lower_fence_ns", Math.Round(t.LowerFence, 1));
                json.WriteNumber("upper_fence_ns", Math.Round(t.UpperFence, 1));
                json.WriteStartArray("indices");
                foreach (var i in t.OutlierIndices)
                {
                    json.WriteNumberValue(i);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("outliers");
            }

            json.WriteStartArray("warnings");
            if (measured)
            {
                foreach (var name in SampleWarningNames.Names(t.Warnings))
                {
                    json.WriteStringValue(name);
                }
            }

            json.WriteEndArray();
            json.WriteStartArray("samples_ns");
            if (measured)
            {
                foreach (var v in cell.Samples)
                {
                    json.WriteNumberValue(v);
                }
            }

            json.WriteEndArray();
            JsonHeader.WriteNumberOrNull(json, "mmap_lock_per_pass", cell.LocksPerPass);
            JsonHeader.WriteNumberOrNull(json, "tlb_flushes_per_pass", cell.TlbFlushesPerPass);
            JsonHeader.WriteNumberOrNull(json, "remote_tlb_flushes_per_pass", cell.RemoteFlushesPerPass);
            json.WriteString("error", cell.Error);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteRatios(json, report);
        json.WriteEndObject();
    }

    /// <summary>Writes <paramref name="name"/>: [lower, upper], or null.</summary>
    public static void WriteInterval(Utf8JsonWriter json, string name, Interval? interval, int digits)
    {
        if (interval is { } ci)
        {
            json.WriteStartArray(name);
            json.WriteNumberValue(Math.Round(ci.Lower, digits));
            json.WriteNumberValue(Math.Round(ci.Upper, digits));
            json.WriteEndArray();
        }
        else
        {
            json.WriteNull(name);
        }
    }

    /// <summary>The thresholds behind the warnings.</summary>
    private static void WritePolicy(Utf8JsonWriter json, SamplePolicy policy)
    {
        json.WriteStartObject("statistics");
        json.WriteNumber("confidence_level", policy.ConfidenceLevel);
        json.WriteNumber("few_samples_below", policy.MinimumSamples);
        json.WriteNumber("noisy_cv_at_least", policy.NoisyCoefficientOfVariation);
        json.WriteNumber("tukey_k", policy.TukeyK);
        json.WriteString("mean_interval", "Student's t");
        json.WriteString("ratio", "median of all pairwise ratios (Hodges-Lehmann); interval distribution-free from the Mann-Whitney distribution");
        json.WriteEndObject();
    }

    /// <summary>The table's ratio columns: each simulated profile over the baseline, per batch.</summary>
    private static void WriteRatios(Utf8JsonWriter json, EvalReport report)
    {
        var m = report.Measurement;
        json.WriteStartArray("ratios");
        foreach (var (index, baseline) in report.RatioPairs)
        {
            for (var b = 0; b < m.Batches.Count; b++)
            {
                var numerator = m.Cell(index, b);
                var denominator = m.Cell(baseline, b);
                if (!numerator.IsMeasured || !denominator.IsMeasured || SampleComparison.Of(denominator.Samples, numerator.Samples) is not { } c)
                {
                    continue;
                }

                json.WriteStartObject();
                json.WriteString("numerator", m.Workloads[index].Label);
                json.WriteString("denominator", m.Workloads[baseline].Label);
                json.WriteNumber("batch", m.Batches[b]);
                json.WriteNumber("ratio", Math.Round(c.Ratio.Value, 5));
                WriteInterval(json, "ci95", c.Ratio.Interval, 5);
                json.WriteNumber("mann_whitney_p", Math.Round(c.Test.PValue, 6));
                json.WriteString("verdict", VerdictName(c.Verdict));
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
    }

    /// <summary>"faster", "slower", "no-significant-difference", "too-few-samples".</summary>
    public static string VerdictName(ComparisonVerdict verdict) => verdict switch
    {
        ComparisonVerdict.Faster => "faster",
        ComparisonVerdict.Slower => "slower",
        ComparisonVerdict.NoSignificantDifference => "no-significant-difference",
        _ => "too-few-samples",
    };
}
