using System.CommandLine;
using Madvise.Cli.Eval;
using Madvise.Cli.Help;
using Madvise.Cli.Report;

namespace Madvise.Cli.Commands;

/// <summary>
/// <c>madv eval</c>: the series' evaluation measured on this machine — MADV_DONTNEED over 256 MiB
/// in 4 KiB units by madvise() per unit and by process_madvise() with vectors of 1 to 1024 units,
/// on every simulated kernel profile and on the host kernel.
/// </summary>
internal static class EvalCommand
{
    /// <summary>Default buffer size (the seed's).</summary>
    public const ulong DefaultMem = 256UL << 20;

    /// <summary>Buffer size of <c>--quick</c>.</summary>
    public const ulong QuickMem = 64UL << 20;

    /// <summary>Default time budget: the whole default run ends within 3 minutes on a 2-core machine.</summary>
    public const double DefaultSeconds = 140;

    /// <summary>Time budget of <c>--quick</c> (the run ends within 30 s).</summary>
    public const double QuickSeconds = 15;

    /// <summary>Help text after the options: the workload, the output, exit codes, examples.</summary>
    private const string Details = """
        Workload (the series' evaluation): map a private anonymous buffer, write every page, then
        apply the hint to the whole buffer in units of --unit, either by madvise() per unit
        (batch 0) or by process_madvise() on the own pidfd with vectors of BATCH units. Each
        pass is timed; writing the pages again between passes is not. The configurations are
        measured interleaved: each round runs one pass of each, in a shuffled order, so drift on
        a shared machine falls on every column alike. Rounds continue until --repeat passes or
        until the next round would not fit in --seconds (the first round always runs).

        Output:
          A header (workload, machine, method, notes), then one row per batch size: mean time per
          pass in ms ± standard deviation, one column per simulated profile and the host, then
          each profile's ratio to PerRangeLock (BatchedLock/PerRangeLock is the seed's
          after/before). --details adds the simulated mmap_lock acquisitions and TLB shootdowns
          per pass. --json, --csv and --plot write files atomically. Ctrl+C stops after the pass
          in progress and reports what was measured, marked PARTIAL.

        Exit codes:
          0    measured (cells that failed, e.g. a hint the kernel rejects, show the errno)
          1    an output file could not be written
          2    a usage error
          130  interrupted by Ctrl+C (the partial results were still written)

        Examples:
          madv eval
          madv eval --quick
          madv eval --target sim --profiles PerRangeLock,BatchedLock --repeat 5 --json eval.json --plot eval.png
        """;

    /// <summary>Exit status of an interrupted run (128 + SIGINT).</summary>
    public const int Interrupted = 130;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var common = new MeasureOptions();
        common.Seconds.Description = $"Time budget of the whole run; rounds stop when the next would not fit [default: {DefaultSeconds}, or {QuickSeconds} with --quick; none with --repeat].";
        var batches = new Option<string?>("--batches")
        {
            Description = "Batch sizes, comma-separated; 0 is the madvise() loop [default: 0,1,2,4,...,1024].",
            HelpName = "LIST",
        };
        var repeat = new Option<int?>("--repeat")
        {
            Description = "Passes per configuration (rounds); with --seconds, whichever ends first.",
            HelpName = "N",
        };
        var quick = new Option<bool>("--quick")
        {
            Description = $"A first look in under 30 s: --mem {ByteSize.Format(QuickMem)}, --batches {BatchList.Format(BatchList.Quick)}, --seconds {QuickSeconds} (explicit options win).",
        };
        var csv = new Option<string?>("--csv")
        {
            Description = "Also write the results as CSV (the JSON records' fields).",
            HelpName = "FILE",
        };
        var details = new Option<bool>("--details")
        {
            Description = "Add the simulated kernel's mmap_lock acquisitions and TLB shootdowns per pass.",
        };
        var command = new Command("eval", "Measure the series' table on this machine: madvise() vs process_madvise() batches, simulated profiles and host.").WithHelpDetails(Details);
        common.AddTo(command);
        command.Options.Add(batches);
        command.Options.Add(repeat);
        command.Options.Add(quick);
        command.Options.Add(csv);
        command.Options.Add(details);
        command.SetAction(parse =>
        {
            var isQuick = parse.GetValue(quick);
            var resolved = common.Resolve(parse, isQuick ? QuickMem : DefaultMem, context.Error);
            if (resolved is null)
            {
                return ExitCodes.Usage;
            }

            IReadOnlyList<int> batchList = isQuick ? BatchList.Quick : BatchList.Seed;
            if (parse.GetValue(batches) is { } text && !BatchList.TryParse(text, 0, out batchList, out var batchError))
            {
                context.Error.WriteLine("madv: --batches: " + batchError);
                return ExitCodes.Usage;
            }

            var passes = parse.GetValue(repeat);
            if (passes is < 1)
            {
                context.Error.WriteLine("madv: --repeat must be at least 1");
                return ExitCodes.Usage;
            }

            var seconds = parse.GetValue(common.Seconds) ?? (passes is null ? (isQuick ? QuickSeconds : DefaultSeconds) : null);
            var stop = new EvalStopRule(passes, seconds is { } s ? TimeSpan.FromSeconds(s) : null);
            using var ctrlC = new CtrlC();
            return Execute(context, new EvalSettings(resolved, batchList, stop, parse.GetValue(csv), parse.GetValue(details)), ctrlC.Token);
        });
        return command;
    }

    /// <summary>Runs the evaluation, prints the table and writes the files.</summary>
    public static int Execute(CliContext context, EvalSettings settings, CancellationToken cancel)
    {
        var common = settings.Common;
        return MeasurementSession.Run(
            context,
            common,
            "eval",
            (workloads, sink) => EvalRunner.Run(workloads, settings.Batches, settings.Stop, settings.WarmUp, sink, cancel),
            (console, machine, started, measurement) =>
            {
                var report = new EvalReport(machine, common.Spec, measurement, started, common.Targets.Notes);
                EvalTable.Write(console, report, settings.Details, common.Markdown);
                var written = WriteFiles(context, report, settings);
                return measurement.Partial ? Interrupted : written ? ExitCodes.Success : ExitCodes.Failure;
            });
    }

    /// <summary>Writes --json, --csv and --plot; false (after saying why) when one cannot be written.</summary>
    private static bool WriteFiles(CliContext context, EvalReport report, EvalSettings settings)
    {
        var ok = true;
        var common = settings.Common;
        if (common.Json is { } json)
        {
            ok &= OutputFiles.Try(context, json, () => AtomicFile.Write(json, s => EvalJson.Write(s, report)));
        }

        if (settings.Csv is { } csv)
        {
            ok &= OutputFiles.Try(context, csv, () => AtomicFile.WriteText(csv, w => EvalCsv.Write(w, report)));
        }

        if (common.Plot is { } plot)
        {
            ok &= OutputFiles.Try(context, plot, () =>
            {
                if (!EvalPlot.Save(report, plot))
                {
                    context.Error.WriteLine($"madv: {plot}: nothing to plot (no line has a measured baseline and a vector)");
                }
            });
        }

        return ok;
    }
}
