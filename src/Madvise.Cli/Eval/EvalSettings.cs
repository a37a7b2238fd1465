using Madvise.Cli.Commands;

namespace Madvise.Cli.Eval;

/// <summary>The resolved options of <c>madv eval</c>.</summary>
/// <param name="Common">The options shared with <c>madv contention</c>.</param>
/// <param name="Batches">Batch sizes, ascending (0 = the madvise() loop).</param>
/// <param name="Stop">When the measurement stops.</param>
/// <param name="Csv">CSV output file, or null.</param>
/// <param name="Details">Whether the table shows the simulated kernel's lock and TLB counters.</param>
/// <param name="WarmUp">Whether each code path runs once unrecorded first.</param>
internal sealed record EvalSettings(MeasureSettings Common, IReadOnlyList<int> Batches, EvalStopRule Stop, string? Csv, bool Details, bool WarmUp = true);
