using Perfolizer.Mathematics.SignificanceTesting.Base;
using Perfolizer.Mathematics.SignificanceTesting.MannWhitney;
using Perfolizer.Metrology;
using Pragmastat;

namespace Madvise.Measurement.Statistics;

/// <summary>The outcome of a two-sided Mann–Whitney U test.</summary>
/// <param name="U">The U statistic of the first sample (pairs in which it is the larger).</param>
/// <param name="PValue">Two-sided p-value: how likely a U at least this far from n·m/2 is when both samples come from one distribution.</param>
public readonly record struct MannWhitneyResult(double U, double PValue);

/// <summary>
/// The Mann–Whitney U (Wilcoxon rank-sum) test through Perfolizer: exact (Löffler's algorithm)
/// up to 65 values in all, Edgeworth's approximation above. It assumes nothing about the shape of
/// the distributions, which suits timing samples (skewed, with outliers) better than a t-test.
/// </summary>
public static class MannWhitney
{
    /// <summary>Tests whether <paramref name="x"/> and <paramref name="y"/> come from one distribution.</summary>
    /// <exception cref="ArgumentException">A sample is empty.</exception>
    public static MannWhitneyResult Test(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count == 0 || y.Count == 0)
        {
            throw new ArgumentException("the Mann-Whitney test needs two non-empty samples");
        }

        var result = MannWhitneyTest.Instance.Perform(new Sample(x.ToArray()), new Sample(y.ToArray()), AlternativeHypothesis.TwoSides, Threshold.Zero);
        return new MannWhitneyResult(result.Ux, result.PValue);
    }

    /// <summary>P(U &lt; <paramref name="u"/>) under the null hypothesis for samples of <paramref name="n"/> and <paramref name="m"/> values.</summary>
    internal static double CdfBelow(int n, int m, int u) =>
        n + m <= 65
            ? MannWhitneyLoefflerExactCdf.Instance.Cdf(n, m, u)
            : MannWhitneyEdgeworthApproxCdf.Instance.Cdf(n, m, u);
}
