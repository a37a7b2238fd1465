namespace Madvise.Cli.Commands;

/// <summary>The resolved shared options of <c>madv eval</c> and <c>madv contention</c>.</summary>
/// <param name="Spec">Buffer, unit and hint.</param>
/// <param name="Targets">The kernels to measure.</param>
/// <param name="Json">JSON output file, or null.</param>
/// <param name="Plot">Plot output file (.png or .svg), or null.</param>
/// <param name="Progress">Whether a progress bar may be shown (it is only on a terminal).</param>
/// <param name="Markdown">Whether the table is printed as Markdown.</param>
internal sealed record MeasureSettings(WorkloadSpec Spec, TargetSelection Targets, string? Json, string? Plot, bool Progress, bool Markdown);
