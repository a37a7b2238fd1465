using Madvise.Cli.Report;
using Madvise.Host;
using Spectre.Console;

namespace Madvise.Cli.Commands;

/// <summary>
/// What <c>madv eval</c> and <c>madv contention</c> share around their measurement: set up the
/// workloads of the chosen targets, measure under a progress bar (when the output is a terminal),
/// hand the result to the command's report, and release the workloads whatever happens.
/// </summary>
internal static class MeasurementSession
{
    /// <summary>Runs <paramref name="measure"/> on fresh workloads and returns what <paramref name="report"/> returns.</summary>
    /// <param name="context">The command's output streams.</param>
    /// <param name="common">Targets, workload, progress option.</param>
    /// <param name="title">The progress bar's title.</param>
    /// <param name="measure">The measurement, given the workloads and the progress sink (null without a bar).</param>
    /// <param name="report">Prints and writes the result; given the console, the machine, the start time and the result; returns the exit code.</param>
    /// <param name="threads">Thread counts of the advising process (eval's --threads); null for one thread.</param>
    /// <param name="siblingWork">What the sibling threads do.</param>
    /// <returns>The exit code: <paramref name="report"/>'s, or <see cref="ExitCodes.Failure"/> when the host workload cannot be set up.</returns>
    public static int Run<TMeasurement>(
        CliContext context,
        MeasureSettings common,
        string title,
        Func<List<IAdviceWorkload>, IProgressSink?, TMeasurement> measure,
        Func<IAnsiConsole, MachineInfo, DateTimeOffset, TMeasurement, int> report,
        IReadOnlyList<int>? threads = null,
        SiblingWork siblingWork = SiblingWork.Sleep)
    {
        var console = ConsoleOutput.Create(context.Out);
        var started = DateTimeOffset.UtcNow;
        var machine = MachineInfo.Current();
        List<IAdviceWorkload> workloads;
        try
        {
            workloads = Workloads.Create(common.Targets, common.Spec, threads, siblingWork);
        }
        catch (MadviseException ex)
        {
            context.Error.WriteLine("madv: cannot set up the host workload: " + ex.Message);
            return ExitCodes.Failure;
        }

        try
        {
            var progress = common.Progress && ConsoleOutput.IsTerminal(context.Out);
            var measurement = SpectreProgress.Run(console, progress, title, sink => measure(workloads, sink));
            return report(console, machine, started, measurement);
        }
        finally
        {
            Workloads.DisposeAll(workloads);
        }
    }
}
