using System.Globalization;

namespace Madvise.Measurement.Reporting;

/// <summary><c>madv eval --csv</c>: the JSON records as comma-separated values with a header row (RFC 4180 quoting).</summary>
public static class EvalCsv
{
    /// <summary>The header row.</summary>
    public const string Header = "target,profile,hint,mem,unit,batch,mean_ns,stddev_ns,median_ns,min_ns,ci95_low_ns,ci95_high_ns,passes,warnings,mmap_lock_per_pass,tlb_flushes_per_pass,remote_tlb_flushes_per_pass,error";

    /// <summary>Writes <paramref name="report"/>; empty fields stand for null.</summary>
    public static void Write(TextWriter writer, EvalReport report)
    {
        writer.WriteLine(Header);
        var spec = report.Spec;
        foreach (var cell in report.Measurement.Cells)
        {
            var measured = cell.IsMeasured;
            var t = cell.Time;
            writer.WriteLine(string.Join(
                ',',
                cell.Workload.Target,
                cell.Workload.Profile ?? string.Empty,
                spec.HintName,
                spec.Mem.ToString(CultureInfo.InvariantCulture),
                spec.Unit.ToString(CultureInfo.InvariantCulture),
                cell.Batch.ToString(CultureInfo.InvariantCulture),
                measured ? Number(t.Mean) : string.Empty,
                measured ? Number(t.StandardDeviation) : string.Empty,
                measured ? Number(t.Median) : string.Empty,
                measured ? Number(t.Min) : string.Empty,
                measured && t.MeanInterval is { } ci ? Number(ci.Lower) : string.Empty,
                measured && t.MeanInterval is { } ci2 ? Number(ci2.Upper) : string.Empty,
                (measured ? cell.Passes : 0).ToString(CultureInfo.InvariantCulture),
                measured ? string.Join(' ', SampleWarningNames.Names(t.Warnings)) : string.Empty,
                cell.LocksPerPass is { } locks ? Number(locks) : string.Empty,
                cell.TlbFlushesPerPass is { } flushes ? Number(flushes) : string.Empty,
                cell.RemoteFlushesPerPass is { } remote ? Number(remote) : string.Empty,
                Quote(cell.Error)));
        }
    }

    private static string Number(double value) => Math.Round(value, 1).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>A field quoted when it holds a comma, a quote or a line break.</summary>
    public static string Quote(string? field)
    {
        if (string.IsNullOrEmpty(field))
        {
            return string.Empty;
        }

        return field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
