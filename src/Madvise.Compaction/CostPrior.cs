namespace Madvise.Compaction;

/// <summary>
/// The cost model's assumptions before it has measured anything: deliberately pessimistic, so the
/// first calls are small and the model grows them from what they cost.
/// </summary>
/// <param name="PerCallNs">Fixed cost of a call (entry, pidfd, mm_access, lock): replaced by an empty-vector probe where one runs.</param>
/// <param name="PerRangeNs">Cost of one range beyond its pages (VMA lookup, walk setup).</param>
/// <param name="PerByteNs">Cost per byte of an accessible mapping (the default, 2 ns, is 8 µs per resident 4 KiB page).</param>
/// <param name="PerReservedByteNs">Cost per byte of a PROT_NONE mapping (reservations: no page tables to walk, as a rule).</param>
public sealed record CostPrior(double PerCallNs, double PerRangeNs, double PerByteNs, double PerReservedByteNs)
{
    /// <summary>10 µs per call, 2 µs per range, 8 µs per accessible page, 40 ns per PROT_NONE page.</summary>
    public static CostPrior Default { get; } = new(10_000, 2_000, 2.0, 0.01);
}
