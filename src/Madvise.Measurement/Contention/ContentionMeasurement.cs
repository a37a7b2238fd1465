namespace Madvise.Measurement.Contention;

/// <summary>What <see cref="ContentionRunner"/> measured.</summary>
/// <param name="Rows">Per workload: the idle row, one row per batch, one per cap; in that order.</param>
/// <param name="Slices">Slices completed per row (rounds).</param>
/// <param name="Partial">True when the run was interrupted.</param>
/// <param name="Elapsed">Wall time of the whole run.</param>
public sealed record ContentionMeasurement(IReadOnlyList<ContentionRow> Rows, int Slices, bool Partial, TimeSpan Elapsed);
