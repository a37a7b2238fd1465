namespace Madvise.Cli.Eval;

/// <summary>Mean and sample standard deviation of a stream of values (Welford's method: stable, one pass, no storage).</summary>
internal sealed class RunningStatistics
{
    /// <summary>The running mean.</summary>
    private double _mean;

    /// <summary>Sum of squared differences from the running mean.</summary>
    private double _m2;

    /// <summary>Values added.</summary>
    public int Count { get; private set; }

    /// <summary>The mean; 0 before the first value.</summary>
    public double Mean => _mean;

    /// <summary>The sample standard deviation (n − 1); 0 with fewer than two values.</summary>
    public double StandardDeviation => Count < 2 ? 0 : Math.Sqrt(_m2 / (Count - 1));

    /// <summary>Standard deviation relative to the mean (0 when the mean is 0).</summary>
    public double RelativeStandardDeviation => _mean == 0 ? 0 : StandardDeviation / _mean;

    /// <summary>Adds one value.</summary>
    public void Add(double value)
    {
        Count++;
        var delta = value - _mean;
        _mean += delta / Count;
        _m2 += delta * (value - _mean);
    }
}
