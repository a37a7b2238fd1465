
namespace Madvise.Measurement.Contention;

/// <summary>The resolved options of <c>madv contention</c>.</summary>
/// <param name="Spec">Buffer, unit and hint.</param>
/// <param name="Targets">The kernels to measure.</param>
/// <param name="Batches">The advisor's batch sizes, ascending (0 = the madvise() loop).</param>
/// <param name="Caps">Per-call caps (MaxRangesPerCall) tried with the largest batch, ascending.</param>
/// <param name="Writer">What the writer does.</param>
/// <param name="Interval">The writer sleeps so that operations start at most once per interval (zero: back to back).</param>
/// <param name="PerConfiguration">Wall time each configuration is measured, in all.</param>
/// <param name="Slices">Into how many interleaved slices each configuration's time is cut.</param>
/// <param name="WarmUp">Whether each code path runs once unrecorded first.</param>
public sealed record ContentionSettings(
    WorkloadSpec Spec,
    TargetSelection Targets,
    IReadOnlyList<int> Batches,
    IReadOnlyList<int> Caps,
    WriterKind Writer,
    TimeSpan Interval,
    TimeSpan PerConfiguration,
    int Slices,
    bool WarmUp = true);
