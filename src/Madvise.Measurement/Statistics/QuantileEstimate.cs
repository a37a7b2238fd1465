using HdrHistogram;

namespace Madvise.Measurement.Statistics;

/// <summary>
/// A percentile of a latency histogram with a distribution-free confidence interval: the
/// values at the ranks between which the true percentile lies with the given probability
/// (order statistics, the binomial distribution approximated by the normal one).
/// </summary>
/// <param name="Percentile">Which percentile (e.g. 99).</param>
/// <param name="Value">The histogram's value at it.</param>
/// <param name="Interval">The confidence interval of the value; null without samples.</param>
/// <param name="Count">Samples the histogram holds.</param>
/// <param name="Beyond">Samples expected above the percentile, n·(1 − p/100): a p99 of 600 samples rests on 6.</param>
public sealed record QuantileEstimate(double Percentile, long Value, Interval? Interval, long Count, double Beyond)
{
    /// <summary>Fewer samples than this beyond a percentile make it a few outliers' value; reports flag it.</summary>
    public const double MinimumBeyond = 10;

    /// <summary>True when the percentile rests on fewer than <see cref="MinimumBeyond"/> samples above it.</summary>
    public bool IsThin => Beyond < MinimumBeyond;

    /// <summary>The <paramref name="percentile"/>-th percentile of <paramref name="histogram"/> at <paramref name="level"/>.</summary>
    public static QuantileEstimate Of(HistogramBase histogram, double percentile, double level = 0.95)
    {
        var n = histogram.TotalCount;
        if (n == 0)
        {
            return new QuantileEstimate(percentile, 0, null, 0, 0);
        }

        var q = percentile / 100;
        var z = NormalQuantile(1 - ((1 - level) / 2));
        var spread = z * Math.Sqrt(n * q * (1 - q));
        var lowRank = Math.Clamp(Math.Floor((n * q) - spread), 1, n);
        var highRank = Math.Clamp(Math.Ceiling((n * q) + spread) + 1, 1, n);
        var interval = new Interval(
            histogram.GetValueAtPercentile(100.0 * lowRank / n),
            histogram.GetValueAtPercentile(100.0 * highRank / n),
            level);
        return new QuantileEstimate(percentile, histogram.GetValueAtPercentile(percentile), interval, n, n * (1 - q));
    }

    /// <summary>The standard normal quantile (Perfolizer's normal distribution).</summary>
    private static double NormalQuantile(double p) =>
        new Perfolizer.Mathematics.Distributions.ContinuousDistributions.NormalDistribution(0, 1).Quantile(p);
}
