using Madvise.Abi;

namespace Madvise.Measurement.Eval;

/// <summary>
/// The series' published evaluation (cover letter of "mm/madvise: remove redundant mmap_lock
/// operations from process_madvise()", SeongJae Park, 6 Feb 2025): MADV_DONTNEED over 256 MiB in
/// 4 KiB units, mean of five runs in ns, on kernels without ("before") and with ("after") the
/// series. Shown beside this machine's numbers when the workload is the same.
/// </summary>
public static class SeedEvaluation
{
    /// <summary>(batch, before ns, after ns), as published.</summary>
    private static readonly (int Batch, double Before, double After)[] Rows =
    [
        (0, 146294215.2, 121280536.2),
        (1, 165851018.8, 136305598.2),
        (2, 129469321.2, 103740383.6),
        (4, 110369232.4, 87835896.2),
        (8, 102906232.4, 77420920.2),
        (16, 97551017.4, 74959714.4),
        (32, 94809848.2, 71200848.4),
        (64, 96087575.6, 72593180),
        (128, 96154163.8, 68517055.4),
        (256, 92901257.6, 69054216.6),
        (512, 93646170.8, 67053296.2),
        (1024, 92663219.2, 70168196.8),
    ];

    /// <summary>True when <paramref name="spec"/> is the seed's workload (DONTNEED, 256 MiB, 4 KiB units).</summary>
    public static bool Matches(WorkloadSpec spec) =>
        spec.Hint == MemoryAdvice.MADV_DONTNEED && spec.Mem == 256UL << 20 && spec.Unit == 4096;

    /// <summary>The seed's before and after times for <paramref name="batch"/>; false when it was not measured.</summary>
    public static bool TryGet(int batch, out double before, out double after)
    {
        foreach (var row in Rows)
        {
            if (row.Batch == batch)
            {
                before = row.Before;
                after = row.After;
                return true;
            }
        }

        before = after = 0;
        return false;
    }
}
