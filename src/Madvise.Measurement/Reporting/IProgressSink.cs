namespace Madvise.Measurement.Reporting;

/// <summary>Where long measurements report how far along they are (a progress bar, or nothing).</summary>
public interface IProgressSink
{
    /// <summary>Reports <paramref name="fraction"/> (0 to 1) done and what is running now.</summary>
    void Report(double fraction, string description);
}
