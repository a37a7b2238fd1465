namespace Madvise.Measurement.Compaction;

/// <summary>Everything a <c>madv compact-bench</c> report shows.</summary>
/// <param name="Machine">Where it ran.</param>
/// <param name="Settings">What was asked for.</param>
/// <param name="Measurement">The rows.</param>
/// <param name="StartedUtc">When the run started.</param>
public sealed record CompactBenchReport(MachineInfo Machine, CompactBenchSettings Settings, CompactBenchMeasurement Measurement, DateTimeOffset StartedUtc)
{
    /// <summary>The goal judged on each kernel that has idle, fixed and budget rows.</summary>
    public IReadOnlyList<CompactBenchGoal> Goals =>
        [.. Measurement.Kernels.Select(k => CompactBenchGoal.Of(Measurement, k)).OfType<CompactBenchGoal>()];
}
