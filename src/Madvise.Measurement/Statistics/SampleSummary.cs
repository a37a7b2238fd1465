using Perfolizer.Mathematics.Common;
using Perfolizer.Mathematics.OutlierDetection;
using Perfolizer.Mathematics.QuantileEstimators;
using Pragmastat;

namespace Madvise.Measurement.Statistics;

/// <summary>
/// What a benchmarker reads from one sample (e.g. the pass times of one configuration): mean,
/// median, min, max, standard deviation, the mean's confidence interval (Student's t), the
/// coefficient of variation, Tukey-fence outliers and the warnings of a <see cref="SamplePolicy"/>.
/// The values themselves are kept, in the order they were measured.
/// </summary>
/// <remarks>
/// Quantiles (median, quartiles for the fences) use Perfolizer's <c>SimpleQuantileEstimator</c>
/// (Hyndman–Fan type 7, what R and NumPy use by default); the interval uses Perfolizer's
/// <c>ConfidenceIntervalEstimator</c> with the standard error s/√n. Outliers are flagged, never
/// removed: every other number is computed over all values.
/// </remarks>
public sealed class SampleSummary
{
    private SampleSummary(IReadOnlyList<double> values, SamplePolicy policy)
    {
        Values = values;
        Policy = policy;
        Count = values.Count;
        if (Count == 0)
        {
            Warnings = SampleWarnings.FewSamples;
            OutlierIndices = [];
            return;
        }

        double sum = 0, min = double.MaxValue, max = double.MinValue;
        foreach (var v in values)
        {
            sum += v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        Mean = sum / Count;
        Min = min;
        Max = max;
        double squares = 0;
        foreach (var v in values)
        {
            squares += (v - Mean) * (v - Mean);
        }

        StandardDeviation = Count < 2 ? 0 : Math.Sqrt(squares / (Count - 1));
        CoefficientOfVariation = Mean == 0 ? 0 : StandardDeviation / Mean;
        var sample = new Sample(values.ToArray());
        Median = SimpleQuantileEstimator.Instance.Quantile(sample, 0.5);
        if (Count >= 2)
        {
            var ci = new ConfidenceIntervalEstimator(Count, Mean, StandardDeviation / Math.Sqrt(Count)).ConfidenceInterval(new ConfidenceLevel(policy.ConfidenceLevel));
            MeanInterval = new Interval(ci.Lower, ci.Upper, policy.ConfidenceLevel);
        }

        var fences = TukeyOutlierDetector.Create(sample, policy.TukeyK);
        LowerFence = fences.LowerFence;
        UpperFence = fences.UpperFence;
        var outliers = new List<int>();
        for (var i = 0; i < Count; i++)
        {
            if (values[i] < LowerFence || values[i] > UpperFence)
            {
                outliers.Add(i);
            }
        }

        OutlierIndices = outliers;
        Warnings = (Count < policy.MinimumSamples ? SampleWarnings.FewSamples : SampleWarnings.None)
            | (Count >= 2 && CoefficientOfVariation >= policy.NoisyCoefficientOfVariation ? SampleWarnings.Noisy : SampleWarnings.None)
            | (outliers.Count > 0 ? SampleWarnings.Outliers : SampleWarnings.None);
    }

    /// <summary>The values, in the order given.</summary>
    public IReadOnlyList<double> Values { get; }

    /// <summary>The thresholds the warnings were judged by.</summary>
    public SamplePolicy Policy { get; }

    /// <summary>Number of values.</summary>
    public int Count { get; }

    /// <summary>Arithmetic mean; 0 for an empty sample.</summary>
    public double Mean { get; }

    /// <summary>Median; 0 for an empty sample.</summary>
    public double Median { get; }

    /// <summary>Smallest value; 0 for an empty sample.</summary>
    public double Min { get; }

    /// <summary>Largest value; 0 for an empty sample.</summary>
    public double Max { get; }

    /// <summary>Sample standard deviation (n − 1); 0 with fewer than two values.</summary>
    public double StandardDeviation { get; }

    /// <summary>Standard deviation / mean; 0 when the mean is 0.</summary>
    public double CoefficientOfVariation { get; }

    /// <summary>The mean's confidence interval at <see cref="SamplePolicy.ConfidenceLevel"/> (Student's t); null with fewer than two values.</summary>
    public Interval? MeanInterval { get; }

    /// <summary>Tukey's lower fence, Q1 − k·IQR.</summary>
    public double LowerFence { get; }

    /// <summary>Tukey's upper fence, Q3 + k·IQR.</summary>
    public double UpperFence { get; }

    /// <summary>Indices (into <see cref="Values"/>) of the values outside the fences.</summary>
    public IReadOnlyList<int> OutlierIndices { get; }

    /// <summary>What to warn the reader about.</summary>
    public SampleWarnings Warnings { get; }

    /// <summary>Summarises <paramref name="values"/> (copied); <paramref name="policy"/> defaults to <see cref="SamplePolicy.Default"/>.</summary>
    /// <exception cref="ArgumentException">A value is NaN or infinite.</exception>
    public static SampleSummary Of(IEnumerable<double> values, SamplePolicy? policy = null)
    {
        var copy = values.ToArray();
        foreach (var v in copy)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException("a sample value is NaN or infinite", nameof(values));
            }
        }

        return new SampleSummary(copy, policy ?? SamplePolicy.Default);
    }
}
