namespace Madvise.Measurement.Statistics;

/// <summary>Why a sample's numbers should not be trusted as they stand; shown in tables, JSON and plots.</summary>
[Flags]
public enum SampleWarnings
{
    /// <summary>Nothing to warn about.</summary>
    None = 0,

    /// <summary>Fewer values than <see cref="SamplePolicy.MinimumSamples"/>: the interval is wide or cannot be given.</summary>
    FewSamples = 1,

    /// <summary>The coefficient of variation is at least <see cref="SamplePolicy.NoisyCoefficientOfVariation"/>.</summary>
    Noisy = 2,

    /// <summary>At least one value lies outside Tukey's fences.</summary>
    Outliers = 4,
}

/// <summary>The names of <see cref="SampleWarnings"/> as JSON and tables spell them.</summary>
public static class SampleWarningNames
{
    /// <summary>"few-samples", "noisy", "outliers": the set flags, in that order.</summary>
    public static IReadOnlyList<string> Names(SampleWarnings warnings)
    {
        var names = new List<string>(3);
        if ((warnings & SampleWarnings.FewSamples) != 0)
        {
            names.Add("few-samples");
        }

        if ((warnings & SampleWarnings.Noisy) != 0)
        {
            names.Add("noisy");
        }

        if ((warnings & SampleWarnings.Outliers) != 0)
        {
            names.Add("outliers");
        }

        return names;
    }
}
