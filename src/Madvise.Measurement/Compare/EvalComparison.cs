namespace Madvise.Measurement.Compare;

/// <summary>
/// <c>madv compare A.json B.json</c>: per configuration, B's pass times against A's — the ratio
/// B/A with its interval, the Mann–Whitney test and the verdict — after checking that both
/// files measured the same workload.
/// </summary>
/// <param name="A">The first file (the baseline).</param>
/// <param name="B">The second file.</param>
/// <param name="Rows">One row per matched configuration.</param>
/// <param name="Notes">Facts the reader needs (an interrupted run, different pinning, configurations only one file has).</param>
public sealed record EvalComparison(EvalResultFile A, EvalResultFile B, IReadOnlyList<EvalComparisonRow> Rows, IReadOnlyList<string> Notes)
{
    /// <summary>
    /// Matches the configurations of <paramref name="a"/> and <paramref name="b"/>: by default
    /// the same kernel, thread count and batch in both; with <paramref name="kernelA"/> and
    /// <paramref name="kernelB"/> (a profile name or <c>host</c>) A's configurations of one kernel
    /// against B's of another, by thread count and batch; <paramref name="threads"/> keeps one
    /// thread count.
    /// </summary>
    /// <exception cref="ArgumentException">The workloads differ, or the selection matches nothing; the message says what.</exception>
    public static EvalComparison Compare(EvalResultFile a, EvalResultFile b, string? kernelA = null, string? kernelB = null, int? threads = null, SamplePolicy? policy = null)
    {
        var differences = new List<string>();
        if (!string.Equals(a.Hint, b.Hint, StringComparison.Ordinal))
        {
            differences.Add($"hint {a.Hint} vs {b.Hint}");
        }

        if (a.Mem != b.Mem)
        {
            differences.Add($"mem {ByteSize.Format(a.Mem)} vs {ByteSize.Format(b.Mem)}");
        }

        if (a.Unit != b.Unit)
        {
            differences.Add($"unit {ByteSize.Format(a.Unit)} vs {ByteSize.Format(b.Unit)}");
        }

        if (!string.Equals(a.SiblingWork, b.SiblingWork, StringComparison.Ordinal))
        {
            differences.Add($"sibling work {a.SiblingWork} vs {b.SiblingWork}");
        }

        if (differences.Count > 0)
        {
            throw new ArgumentException("the files measured different workloads (" + string.Join("; ", differences) + "); compare runs of the same workload");
        }

        var rows = new List<EvalComparisonRow>();
        var notes = new List<string>();
        var matchedB = new HashSet<EvalResultRecord>();
        foreach (var ra in a.Records)
        {
            if (!Selected(ra, kernelA, threads))
            {
                continue;
            }

            var rb = Find(b, ra, kernelA is null ? ra.Kernel : kernelB!);
            if (rb is null || !Selected(rb, kernelB, threads))
            {
                continue;
            }

            matchedB.Add(rb);
            var comparison = ra.Error is null && rb.Error is null && ra.Samples.Count > 0 && rb.Samples.Count > 0
                ? SampleComparison.Of(ra.Samples, rb.Samples, policy)
                : null;
            rows.Add(new EvalComparisonRow(ra, rb, comparison));
        }

        if (rows.Count == 0)
        {
            throw new ArgumentException(kernelA is null
                ? "no configuration is in both files (same kernel, threads and batch); choose kernels with --a and --b"
                : $"no configuration of {kernelA} in {a.Path} matches one of {kernelB} in {b.Path} (same threads and batch)");
        }

        var onlyA = a.Records.Count(r => Selected(r, kernelA, threads)) - rows.Count;
        var onlyB = b.Records.Count(r => Selected(r, kernelB, threads)) - matchedB.Count;
        if (onlyA > 0 || onlyB > 0)
        {
            notes.Add($"not compared: {onlyA} configurations only in A, {onlyB} only in B");
        }

        if (a.Partial || b.Partial)
        {
            notes.Add("a run was interrupted (partial): its configurations have fewer passes");
        }

        if (a.PinCpu != b.PinCpu)
        {
            notes.Add($"the advising thread was pinned differently: A {(a.PinCpu is { } pa ? "CPU " + pa : "not pinned")}, B {(b.PinCpu is { } pb ? "CPU " + pb : "not pinned")}");
        }

        return new EvalComparison(a, b, rows, notes);
    }

    private static bool Selected(EvalResultRecord r, string? kernel, int? threads) =>
        (kernel is null || string.Equals(r.Kernel, kernel, StringComparison.OrdinalIgnoreCase))
        && (threads is null || r.Threads == threads);

    private static EvalResultRecord? Find(EvalResultFile file, EvalResultRecord like, string kernel)
    {
        foreach (var r in file.Records)
        {
            if (string.Equals(r.Kernel, kernel, StringComparison.OrdinalIgnoreCase) && r.Threads == like.Threads && r.Batch == like.Batch)
            {
                return r;
            }
        }

        return null;
    }
}
