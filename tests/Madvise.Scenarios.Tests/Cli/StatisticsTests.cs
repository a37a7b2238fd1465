using CsCheck;

namespace Madvise.Scenarios.Tests.Cli;

/// <summary>The statistics layer (Madvise.Measurement.Statistics): summaries, ratio intervals, Mann–Whitney, percentiles.</summary>
public sealed class StatisticsTests
{
    [Fact]
    public void Summary_MatchesTheTwoPassFormulas() =>
        Gen.Double[1, 1e9].Array[2, 50].Sample(values =>
        {
            var s = SampleSummary.Of(values);
            var mean = values.Average();
            var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
            Assert.Equal(values.Length, s.Count);
            Assert.Equal(mean, s.Mean, (mean * 1e-12) + 1e-9);
            Assert.Equal(sd, s.StandardDeviation, (sd * 1e-9) + 1e-6);
            Assert.Equal(values.Min(), s.Min);
            Assert.Equal(values.Max(), s.Max);
            Assert.Equal(values, s.Values);
            Assert.True(s.MeanInterval!.Value.Contains(s.Mean));
        });

    [Fact]
    public void Summary_KnownSample()
    {
        // Mean 3, s = √2.5; t(0.975, 4) = 2.776: half-width 2.776·√2.5/√5 = 1.963.
        var s = SampleSummary.Of([1, 2, 3, 4, 5]);
        Assert.Equal(3, s.Median);
        Assert.Equal(1.963, s.MeanInterval!.Value.Margin, 3);
        Assert.Equal(0.527, s.CoefficientOfVariation, 3);
        Assert.Equal(SampleWarnings.Noisy, s.Warnings);
    }

    [Fact]
    public void Summary_FlagsOutliersBeyondTukeysFences()
    {
        var s = SampleSummary.Of([10, 11, 10, 12, 11, 10, 50]);
        Assert.Equal([6], s.OutlierIndices);
        Assert.True(s.UpperFence < 50);
        Assert.True((s.Warnings & SampleWarnings.Outliers) != 0);
        Assert.Equal(["noisy", "outliers"], SampleWarningNames.Names(s.Warnings));
    }

    [Fact]
    public void Summary_SmallOrEmpty_IsFlaggedFew()
    {
        Assert.Equal(SampleWarnings.FewSamples, SampleSummary.Of([5.0]).Warnings);
        Assert.Null(SampleSummary.Of([5.0]).MeanInterval);
        Assert.Equal(0, SampleSummary.Of([]).Count);
        Assert.Throws<ArgumentException>(() => SampleSummary.Of([1, double.NaN]));
    }

    [Fact]
    public void Ratio_OfScaledSample_IsTheScaleWithAnIntervalAroundIt()
    {
        double[] a = [100, 104, 98, 101, 103, 99, 102, 97];
        var b = a.Select(v => v * 0.8).ToArray();
        var r = RatioEstimate.Of(b, a)!;
        Assert.Equal(0.8, r.Value, 2);
        Assert.True(r.Interval!.Value.Contains(0.8));
        Assert.True(r.Interval.Value.Lower > 0.7 && r.Interval.Value.Upper < 0.9);
    }

    [Fact]
    public void Ratio_TooFewValues_HasNoInterval()
    {
        // Three against three: P(U = 0) = 1/20 > 2.5%, so no 95% interval exists.
        Assert.Null(RatioEstimate.Of([1, 2, 3], [4, 5, 6])!.Interval);

        // Four against four: P(U = 0) = 1/70: the interval is the extreme pairwise ratios.
        var r = RatioEstimate.Of([1, 2, 3, 4], [4, 5, 6, 7])!;
        Assert.Equal(1.0 / 7, r.Interval!.Value.Lower, 12);
        Assert.Equal(1.0, r.Interval.Value.Upper, 12);
        Assert.Null(RatioEstimate.Of([], [1]));
        Assert.Null(RatioEstimate.Of([0], [1]));
    }

    [Fact]
    public void Ratio_IntervalCoversTheTruth_AtAboutTheLevel()
    {
        // 400 experiments, 10 values each from the same log-normal noise, true ratio 0.75.
        var random = new Random(42);
        double Noise() => Math.Exp(0.2 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        var covered = 0;
        for (var i = 0; i < 400; i++)
        {
            var a = Enumerable.Range(0, 10).Select(_ => 100 * Noise()).ToArray();
            var b = Enumerable.Range(0, 10).Select(_ => 75 * Noise()).ToArray();
            covered += RatioEstimate.Of(b, a)!.Interval!.Value.Contains(0.75) ? 1 : 0;
        }

        // Nominal 95% (the exact interval is conservative): 93-99% of 400 is well outside chance.
        Assert.InRange(covered, 372, 396);
    }

    [Fact]
    public void MannWhitney_SeparatedSamples_AreSignificant_OverlappingAreNot()
    {
        var separated = MannWhitney.Test([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
        Assert.Equal(0, separated.U);
        Assert.Equal(2.0 / 252, separated.PValue, 6);
        Assert.True(MannWhitney.Test([1, 3, 5, 7, 9], [2, 4, 6, 8, 10]).PValue > 0.5);
    }

    [Fact]
    public void Comparison_Verdicts()
    {
        double[] a = [100, 101, 102, 103, 104, 105];
        Assert.Equal(ComparisonVerdict.Faster, SampleComparison.Of(a, a.Select(v => v * 0.7).ToArray())!.Verdict);
        Assert.Equal(ComparisonVerdict.Slower, SampleComparison.Of(a, a.Select(v => v * 1.3).ToArray())!.Verdict);
        Assert.Equal(ComparisonVerdict.NoSignificantDifference, SampleComparison.Of(a, [103, 100, 105, 101, 104, 102])!.Verdict);

        // Three against three can never reach p < 0.05 (smallest two-sided p is 0.1).
        Assert.Equal(ComparisonVerdict.TooFewSamples, SampleComparison.Of([1, 2, 3], [10, 20, 30])!.Verdict);
    }

    [Fact]
    public void Quantile_OfHistogram_HasAnIntervalAroundIt()
    {
        var h = new HdrHistogram.LongHistogram(1_000_000, 3);
        for (var v = 1; v <= 1000; v++)
        {
            h.RecordValue(v);
        }

        var p99 = QuantileEstimate.Of(h, 99);
        Assert.Equal(990, p99.Value, 990 * 0.002);
        Assert.True(p99.Interval!.Value.Lower <= p99.Value && p99.Value <= p99.Interval.Value.Upper);
        Assert.InRange(p99.Interval.Value.Lower, 980, 990);
        Assert.InRange(p99.Interval.Value.Upper, 990, 1000);
        Assert.Equal(10, p99.Beyond, 6);
        Assert.False(p99.IsThin);
        Assert.Null(QuantileEstimate.Of(new HdrHistogram.LongHistogram(1000, 3), 99).Interval);
    }
}
