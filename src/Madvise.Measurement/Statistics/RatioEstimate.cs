namespace Madvise.Measurement.Statistics;

/// <summary>
/// How many times larger one sample is than another (e.g. after/before pass times), with a
/// distribution-free confidence interval.
/// </summary>
/// <param name="Value">
/// The Hodges–Lehmann ratio: the median of all n·m pairwise ratios xᵢ/yⱼ (a robust ratio of
/// location; for symmetric, outlier-free samples it is close to the ratio of the means).
/// </param>
/// <param name="Interval">
/// The confidence interval of the ratio: order statistics of the pairwise ratios chosen with the
/// Mann–Whitney distribution (the Moses–Bauer interval for a shift, taken on the log scale). Null
/// when the samples are too small for any interval at the level (fewer than four values each at 95%).
/// </param>
/// <param name="Level">The interval's confidence level.</param>
public sealed record RatioEstimate(double Value, Interval? Interval, double Level)
{
    /// <summary>Largest number of values per sample: n·m pairwise ratios are kept in memory (8 MB at the limit).</summary>
    public const int MaxSampleSize = 1000;

    /// <summary>
    /// The ratio <paramref name="numerator"/> / <paramref name="denominator"/>; null when either
    /// sample is empty or holds a value that is not positive.
    /// </summary>
    /// <exception cref="ArgumentException">A sample holds more than <see cref="MaxSampleSize"/> values.</exception>
    public static RatioEstimate? Of(IReadOnlyList<double> numerator, IReadOnlyList<double> denominator, double level = 0.95)
    {
        int n = numerator.Count, m = denominator.Count;
        if (n == 0 || m == 0)
        {
            return null;
        }

        if (n > MaxSampleSize || m > MaxSampleSize)
        {
            throw new ArgumentException($"ratio intervals take at most {MaxSampleSize} values per sample");
        }

        foreach (var v in numerator)
        {
            if (!(v > 0) || !double.IsFinite(v))
            {
                return null;
            }
        }

        foreach (var v in denominator)
        {
            if (!(v > 0) || !double.IsFinite(v))
            {
                return null;
            }
        }

        // Logs of the pairwise ratios, sorted: the ratio is a shift on the log scale.
        var pairs = new double[n * m];
        var k = 0;
        foreach (var x in numerator)
        {
            var lx = Math.Log(x);
            foreach (var y in denominator)
            {
                pairs[k++] = lx - Math.Log(y);
            }
        }

        Array.Sort(pairs);
        var total = pairs.Length;
        var median = total % 2 == 1 ? pairs[total / 2] : (pairs[(total / 2) - 1] + pairs[total / 2]) / 2;

        // The c-th smallest and c-th largest pairwise shift bound the true shift with probability
        // 1 − 2·P(U < c); take the largest c that keeps P(U < c) ≤ α/2.
        var alphaHalf = (1 - level) / 2;
        int lo = 0, hi = total / 2;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (MannWhitney.CdfBelow(n, m, mid) <= alphaHalf)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        Interval? interval = lo >= 1
            ? new Interval(Math.Exp(pairs[lo - 1]), Math.Exp(pairs[total - lo]), level)
            : null;
        return new RatioEstimate(Math.Exp(median), interval, level);
    }
}
