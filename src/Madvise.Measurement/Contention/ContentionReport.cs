namespace Madvise.Measurement.Contention;

/// <summary>Everything a <c>madv contention</c> report shows.</summary>
/// <param name="Machine">Where it ran.</param>
/// <param name="Settings">What was asked for.</param>
/// <param name="Measurement">The rows.</param>
/// <param name="StartedUtc">When the run started.</param>
public sealed record ContentionReport(MachineInfo Machine, ContentionSettings Settings, ContentionMeasurement Measurement, DateTimeOffset StartedUtc)
{
    /// <summary>The writer as the headers describe it.</summary>
    public string WriterDescription => (Settings.Writer == WriterKind.Mmap
        ? "mmap(MAP_FIXED)+munmap of one page (each call one sample)"
        : "mprotect of one page, toggling PROT_READ and PROT_READ|PROT_WRITE")
        + (Settings.Interval > TimeSpan.Zero
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $", sleeping between calls (at most one per {Settings.Interval.TotalMicroseconds:0.##} µs)")
            : ", calls back to back");

    /// <summary>The writer kind as JSON and the command line spell it.</summary>
    public string WriterName => Settings.Writer == WriterKind.Mmap ? "mmap" : "mprotect";
}
