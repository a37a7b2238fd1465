namespace Madvise.Cli.Commands;

/// <summary>What <c>madv eval</c> prints and writes besides the table and the shared --json/--plot.</summary>
/// <param name="Csv">CSV output file, or null.</param>
/// <param name="Details">Whether the table shows the per-pass counters (lock acquisitions, TLB shootdowns, remote invalidations).</param>
/// <param name="Stats">Whether the long statistics table (every statistic per configuration) follows the table.</param>
internal sealed record EvalOutputs(string? Csv, bool Details, bool Stats);
