namespace Madvise.Measurement.Statistics;

/// <summary>
/// Sample B against sample A (e.g. pass times of one configuration in two runs): the ratio B/A
/// with its interval, the Mann–Whitney test and the verdict.
/// </summary>
/// <param name="Ratio">B/A (Hodges–Lehmann) and its interval.</param>
/// <param name="Test">The two-sided Mann–Whitney test of A against B.</param>
/// <param name="Verdict">Faster or slower when the test rejects at the policy's level, else no significant difference (or too few samples).</param>
public sealed record SampleComparison(RatioEstimate Ratio, MannWhitneyResult Test, ComparisonVerdict Verdict)
{
    /// <summary>Compares <paramref name="b"/> with <paramref name="a"/>; null when either is empty or not positive.</summary>
    public static SampleComparison? Of(IReadOnlyList<double> a, IReadOnlyList<double> b, SamplePolicy? policy = null)
    {
        policy ??= SamplePolicy.Default;
        if (RatioEstimate.Of(b, a, policy.ConfidenceLevel) is not { } ratio)
        {
            return null;
        }

        var test = MannWhitney.Test(a, b);

        // The smallest two-sided p-value the test can give for these sizes: all of one sample
        // below all of the other.
        var smallestP = 2 * MannWhitney.CdfBelow(a.Count, b.Count, 1);
        var verdict = smallestP > policy.Alpha ? ComparisonVerdict.TooFewSamples
            : test.PValue >= policy.Alpha ? ComparisonVerdict.NoSignificantDifference
            : ratio.Value < 1 ? ComparisonVerdict.Faster
            : ComparisonVerdict.Slower;
        return new SampleComparison(ratio, test, verdict);
    }
}
