namespace Madvise.Measurement.Compare;

/// <summary>One configuration of A against its counterpart in B.</summary>
/// <param name="A">A's configuration.</param>
/// <param name="B">B's configuration.</param>
/// <param name="Comparison">B against A; null when either failed or has no passes.</param>
public sealed record EvalComparisonRow(EvalResultRecord A, EvalResultRecord B, SampleComparison? Comparison);
