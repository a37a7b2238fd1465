using System.Globalization;

namespace Madvise.Measurement.Statistics;

/// <summary>A closed interval [<see cref="Lower"/>, <see cref="Upper"/>] at a confidence level (e.g. a 95% confidence interval).</summary>
/// <param name="Lower">Lower bound.</param>
/// <param name="Upper">Upper bound.</param>
/// <param name="Level">Confidence level, between 0 and 1 (0.95 for 95%).</param>
public readonly record struct Interval(double Lower, double Upper, double Level)
{
    /// <summary>Half the width: the "±" of a symmetric interval.</summary>
    public double Margin => (Upper - Lower) / 2;

    /// <summary>True when <paramref name="value"/> lies inside (bounds included).</summary>
    public bool Contains(double value) => value >= Lower && value <= Upper;

    /// <summary>The interval with both bounds multiplied by <paramref name="factor"/> (a positive unit conversion).</summary>
    public Interval Scale(double factor) => new(Lower * factor, Upper * factor, Level);

    /// <summary>"[0.712, 0.803]" with <paramref name="format"/> for both bounds.</summary>
    public string Format(string format) => string.Create(
        CultureInfo.InvariantCulture,
        $"[{Lower.ToString(format, CultureInfo.InvariantCulture)}, {Upper.ToString(format, CultureInfo.InvariantCulture)}]");
}
