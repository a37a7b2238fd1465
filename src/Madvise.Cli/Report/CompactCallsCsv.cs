using System.Globalization;
using Madvise.Compaction.Engine;

namespace Madvise.Cli.Report;

/// <summary><c>madv compact --calls</c>: one line per process_madvise() call.</summary>
internal static class CompactCallsCsv
{
    /// <summary>The header line.</summary>
    public const string Header = "sequence,advice,ranges,bytes,result,wall_ns,cpu_ns,predicted_ns";

    /// <summary>Writes the header and <paramref name="calls"/>; the prediction is empty for the fixed strategy.</summary>
    public static void Write(TextWriter w, IEnumerable<CallRecord> calls)
    {
        w.WriteLine(Header);
        foreach (var c in calls)
        {
            w.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{c.Sequence},{CompactText.Name(c.Advice)},{c.Ranges},{c.Bytes},{c.Result},{c.WallNanoseconds},{c.CpuNanoseconds},{(c.PredictedNanoseconds is { } p ? Math.Round(p).ToString(CultureInfo.InvariantCulture) : string.Empty)}"));
        }
    }
}
