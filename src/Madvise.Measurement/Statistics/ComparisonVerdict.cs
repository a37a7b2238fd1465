namespace Madvise.Measurement.Statistics;

/// <summary>The answer to "is B faster than A?" for one configuration.</summary>
public enum ComparisonVerdict
{
    /// <summary>B takes less time than A: the test rejects "same distribution" and the ratio B/A is below 1.</summary>
    Faster,

    /// <summary>B takes more time than A.</summary>
    Slower,

    /// <summary>The test does not reject "same distribution" at the policy's level.</summary>
    NoSignificantDifference,

    /// <summary>A sample is too small for the test to reach the level at all, whatever the data.</summary>
    TooFewSamples,
}
