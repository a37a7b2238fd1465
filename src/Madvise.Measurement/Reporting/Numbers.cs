using System.Globalization;

namespace Madvise.Measurement.Reporting;

/// <summary>How reports print numbers (invariant culture, fixed precision).</summary>
public static class Numbers
{
    /// <summary>Nanoseconds as milliseconds with two decimals: <c>121.28</c>.</summary>
    public static string Milliseconds(double nanoseconds) => (nanoseconds / 1e6).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>Nanoseconds as microseconds with one decimal: <c>12.5</c>.</summary>
    public static string Microseconds(double nanoseconds) => (nanoseconds / 1e3).ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>A fraction as a percentage with one decimal: <c>4.6%</c>.</summary>
    public static string Percent(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>A ratio with three decimals: <c>0.829</c>.</summary>
    public static string Ratio(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>A count with thousands separators, rounded: <c>65,792</c>.</summary>
    public static string Count(double value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>A rate with two decimals: <c>1.93</c>.</summary>
    public static string Rate(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>A duration as <c>2m31s</c> or <c>14.2s</c>.</summary>
    public static string Duration(TimeSpan elapsed) => elapsed.TotalSeconds >= 60
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)elapsed.TotalMinutes}m{elapsed.Seconds:00}s")
        : elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
}
