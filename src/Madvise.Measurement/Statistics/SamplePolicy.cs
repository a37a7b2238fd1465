namespace Madvise.Measurement.Statistics;

/// <summary>
/// The thresholds behind <see cref="SampleWarnings"/> and the confidence level of every interval.
/// The defaults are those of the <c>madv</c> reports.
/// </summary>
/// <param name="MinimumSamples">Below this many values a sample is flagged <see cref="SampleWarnings.FewSamples"/> (5: with four values or fewer a distribution-free 95% ratio interval is [min, max] of the pairwise ratios, or does not exist).</param>
/// <param name="NoisyCoefficientOfVariation">At or above this standard deviation / mean a sample is flagged <see cref="SampleWarnings.Noisy"/> (0.10).</param>
/// <param name="ConfidenceLevel">Level of every interval (0.95).</param>
/// <param name="TukeyK">Tukey's fences: values outside [Q1 − k·IQR, Q3 + k·IQR] are outliers (1.5).</param>
public sealed record SamplePolicy(int MinimumSamples = 5, double NoisyCoefficientOfVariation = 0.10, double ConfidenceLevel = 0.95, double TukeyK = 1.5)
{
    /// <summary>The defaults.</summary>
    public static SamplePolicy Default { get; } = new();

    /// <summary>The significance level of tests: 1 − <see cref="ConfidenceLevel"/>.</summary>
    public double Alpha => 1 - ConfidenceLevel;
}
