namespace Madvise.Cli.Eval;

/// <summary>The ratio of two configurations' mean times (the seed's after/before), with its standard deviation.</summary>
/// <param name="Value">Mean of the numerator over mean of the denominator.</param>
/// <param name="StandardDeviation">
/// Propagated from the two relative standard deviations, as for independent measurements:
/// σ(a/b) ≈ (a/b)·√((σa/a)² + (σb/b)²).
/// </param>
internal readonly record struct Ratio(double Value, double StandardDeviation)
{
    /// <summary>The ratio of <paramref name="numerator"/> to <paramref name="denominator"/>; null when either has no valid measurement.</summary>
    public static Ratio? Of(EvalCell numerator, EvalCell denominator)
    {
        if (numerator.Error is not null || denominator.Error is not null || numerator.Passes == 0 || denominator.Passes == 0 || denominator.Time.Mean <= 0)
        {
            return null;
        }

        var value = numerator.Time.Mean / denominator.Time.Mean;
        var a = numerator.Time.RelativeStandardDeviation;
        var b = denominator.Time.RelativeStandardDeviation;
        return new Ratio(value, value * Math.Sqrt((a * a) + (b * b)));
    }
}
