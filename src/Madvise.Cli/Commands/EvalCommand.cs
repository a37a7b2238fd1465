using System.CommandLine;
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

    /// <summary>Default unrecorded rounds before measuring.</summary>
    public const int DefaultWarmup = 1;

    /// <summary>Default minimum passes per configuration (below it every sample is flagged "few").</summary>
    public const int DefaultMinPasses = 5;

    /// <summary>Help text after the options: the workload, the output, exit codes, examples.</summary>
    private const string Details = """
        Workload (the series' evaluation): map a private anonymous buffer, write every page, then
        apply the hint to the whole buffer in units of --unit, either by madvise() per unit
        (batch 0) or by process_madvise() on the own pidfd with vectors of BATCH units. Each
        pass is timed; writing the pages again between passes is not. The configurations are
        measured interleaved: each round runs one pass of each, in a shuffled order, so drift on
        a shared machine falls on every column alike. Rounds continue until --repeat passes or
        until the next round would not fit in --seconds (the first round always runs).

        Statistics: --warmup N unrecorded rounds first (1); at least --min-passes passes per
        configuration (5) even past --seconds. Each cell is the mean ± the half-width of its 95%
        confidence interval (Student's t), flagged '?' with fewer than 5 passes, '~' when the
        coefficient of variation is 10% or more, 'oN' for N outliers beyond Tukey's fences
        (kept in the mean). Ratios are the median of all pairwise pass-time ratios with a 95%
        distribution-free interval. --stats adds every statistic per configuration.

        Threads: --threads 1,2,4 measures the advising process with N threads: the advising one
        and N - 1 siblings that, during each pass, sleep and wake every 1 ms (--sibling-work
        sleep) or keep writing their own 64 pages (--sibling-work touch). On the simulated
        kernel each sibling is a simulated CPU whose TLB the shootdowns must reach unless it is
        idle in lazy TLB mode; the ratio columns become N threads / 1 thread. The host numbers
        are a multi-threaded .NET process whatever --threads says (the runtime has threads of
        its own). --pin CPU pins the advising thread to one host CPU.

        Output:
          A header (workload, machine, method, notes), then one row per batch size and one
          column per simulated profile and the host (per thread count with --threads), then the
          ratio columns (BatchedLock/PerRangeLock is the seed's after/before). --details adds
          per-pass counters: mmap_lock acquisitions (L), TLB shootdowns (T), remote TLB
          invalidations (R; host: TLB shootdown interrupts of all CPUs). --json (every pass time,
          schema madv-eval/2), --csv and --plot (relative and absolute panels) write files
          atomically; madv compare reads the JSON. Ctrl+C stops after the pass in progress and
          reports what was measured, marked PARTIAL.

        Checked before anything is measured: every option; that each output file can be
        created (its name ends in .json, .csv, .png or .svg, its directory exists and is
        writable, it is not a directory); and that the buffers fit in memory: every simulated
        profile and the host, at every --threads count, hold their own --mem at once, and the
        sum must not exceed MemAvailable (/proc/meminfo) nor the room under any cgroup memory
        limit.

        Exit codes:
          0    measured (cells that failed, e.g. a hint the kernel rejects, show the errno)
          1    an output file could not be written after the measurement
          2    a usage error (a bad option, an output file that cannot be created, --mem too large)
          130  interrupted by Ctrl+C (the partial results were still written)

        Examples:
          madv eval
          madv eval --quick
          madv eval --target sim --profiles PerRangeLock,BatchedLock --repeat 5 --json eval.json --plot eval.png
          madv eval --profiles PerVmaLock --threads 1,2,4 --batches 0,1,16,1024 --details
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
            CustomParser = OptionValues.WholeNumber("a number of passes, e.g. 5"),
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
            Description = "Add per-pass counters: the simulated kernel's mmap_lock acquisitions and TLB shootdowns, and remote TLB invalidations (sim: CPUs visited; host: TLB shootdown interrupts).",
        };
        var stats = new Option<bool>("--stats")
        {
            Description = "After the table, print every statistic per configuration: passes, mean, 95% CI, median, min, max, standard deviation, CV, outliers, warnings.",
        };
        var warmup = new Option<int?>("--warmup")
        {
            Description = $"Unrecorded rounds (one pass of every configuration each) before measuring [default: {DefaultWarmup}].",
            HelpName = "N",
            CustomParser = OptionValues.WholeNumber("a number of rounds, e.g. 1"),
        };
        var minPasses = new Option<int?>("--min-passes")
        {
            Description = $"Passes per configuration measured even when --seconds runs out [default: {DefaultMinPasses}, or 1 with --quick; at most --repeat].",
            HelpName = "N",
            CustomParser = OptionValues.WholeNumber("a number of passes, e.g. 3"),
        };
        var threads = new Option<string?>("--threads")
        {
            Description = "Threads of the advising process, comma-separated (e.g. 1,2,4): the advising one and N − 1 siblings that run during each pass; each count is its own column [default: 1].",
            HelpName = "LIST",
        };
        var siblingWork = new Option<string?>("--sibling-work")
        {
            Description = "What the siblings do: sleep (sleep 1 ms, wake, sleep again) or touch (keep writing their own 64 pages) [default: sleep].",
            HelpName = "sleep|touch",
        };
        var pin = new Option<int?>("--pin")
        {
            Description = "Pin the advising thread to this host CPU (sched_setaffinity) while measuring; recorded in the output.",
            HelpName = "CPU",
            CustomParser = OptionValues.WholeNumber("a CPU number, e.g. 0"),
        };
        var command = new Command("eval", "Measure the series' table on this machine: madvise() vs process_madvise() batches, simulated profiles and host.").WithHelpDetails(Details);
        common.AddTo(command);
        command.Options.Add(batches);
        command.Options.Add(repeat);
        command.Options.Add(quick);
        command.Options.Add(csv);
        command.Options.Add(details);
        command.Options.Add(stats);
        command.Options.Add(warmup);
        command.Options.Add(minPasses);
        command.Options.Add(pin);
        command.Options.Add(threads);
        command.Options.Add(siblingWork);
        command.SetAction(parse =>
        {
            var isQuick = parse.GetValue(quick);
            var resolved = common.Resolve(parse, isQuick ? QuickMem : DefaultMem, context);
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
            if (passes is < 1 or > RatioEstimate.MaxSampleSize)
            {
                context.Error.WriteLine($"madv: --repeat must be between 1 and {RatioEstimate.MaxSampleSize}");
                return ExitCodes.Usage;
            }

            var warmupRounds = parse.GetValue(warmup) ?? DefaultWarmup;
            if (warmupRounds is < 0 or > 100)
            {
                context.Error.WriteLine("madv: --warmup must be between 0 and 100");
                return ExitCodes.Usage;
            }

            var minimum = parse.GetValue(minPasses) ?? (isQuick ? 1 : DefaultMinPasses);
            if (minimum is < 1 or > RatioEstimate.MaxSampleSize)
            {
                context.Error.WriteLine($"madv: --min-passes must be between 1 and {RatioEstimate.MaxSampleSize}");
                return ExitCodes.Usage;
            }

            var pinCpu = parse.GetValue(pin);
            if (pinCpu is { } cpu && !ThreadAffinity.AllowedCpus().Contains(cpu))
            {
                context.Error.WriteLine($"madv: --pin: CPU {cpu} is not one this process may run on ({string.Join(',', ThreadAffinity.AllowedCpus())})");
                return ExitCodes.Usage;
            }

            IReadOnlyList<int> threadList = [1];
            if (parse.GetValue(threads) is { } threadText && !ThreadList.TryParse(threadText, out threadList, out var threadError))
            {
                context.Error.WriteLine("madv: --threads: " + threadError);
                return ExitCodes.Usage;
            }

            var work = (parse.GetValue(siblingWork) ?? "sleep").ToLowerInvariant() switch
            {
                "sleep" => SiblingWork.Sleep,
                "touch" => SiblingWork.Touch,
                _ => (SiblingWork?)null,
            };
            if (work is null)
            {
                context.Error.WriteLine("madv: --sibling-work must be sleep or touch");
                return ExitCodes.Usage;
            }

            if (parse.GetValue(csv) is { } csvPath && OutputFiles.Check("--csv", csvPath, ".csv") is { } csvError)
            {
                context.Error.WriteLine("madv: " + csvError);
                return ExitCodes.Usage;
            }

            if (!MeasureOptions.FitsInMemory(context, resolved, threadList.Count))
            {
                return ExitCodes.Usage;
            }

            var seconds = parse.GetValue(common.Seconds) ?? (passes is null ? (isQuick ? QuickSeconds : DefaultSeconds) : null);
            var stop = new EvalStopRule(passes, seconds is { } s ? TimeSpan.FromSeconds(s) : null, Math.Min(minimum, passes ?? minimum));
            var settings = new EvalSettings(resolved.Spec, resolved.Targets, batchList, stop, warmupRounds, pinCpu, threadList, work.Value);
            using var ctrlC = new CtrlC();
            return Execute(context, resolved, settings, new EvalOutputs(parse.GetValue(csv), parse.GetValue(details), parse.GetValue(stats)), ctrlC.Token);
        });
        return command;
    }

    /// <summary>Runs the evaluation, prints the table and writes the files.</summary>
    public static int Execute(CliContext context, MeasureSettings common, EvalSettings settings, EvalOutputs outputs, CancellationToken cancel)
    {
        return MeasurementSession.Run(
            context,
            common,
            "eval",
            (workloads, sink) => EvalRunner.Run(workloads, settings, sink, cancel),
            (console, machine, started, measurement) =>
            {
                var report = new EvalReport(machine, settings, measurement, started);
                TableOutput.Write(console, EvalTable.HeaderLines(report, outputs.Details), EvalTable.Build(report, outputs.Details), common.Markdown);
                if (outputs.Stats)
                {
                    TableOutput.Write(console, ["statistics per configuration (times in ms; CI = 95% confidence interval of the mean, Student's t; outliers beyond Tukey's fences, k = 1.5)"], EvalTable.BuildStatistics(report), common.Markdown);
                }

                var written = WriteFiles(context, report, common, outputs);
                return measurement.Partial ? Interrupted : written ? ExitCodes.Success : ExitCodes.Failure;
            },
            settings.Threads,
            settings.SiblingWork);
    }

    /// <summary>Writes --json, --csv and --plot; false (after saying why) when one cannot be written.</summary>
    private static bool WriteFiles(CliContext context, EvalReport report, MeasureSettings common, EvalOutputs outputs)
    {
        var ok = true;
        if (common.Json is { } json)
        {
            ok &= OutputFiles.Try(context, json, () => AtomicFile.Write(json, s => EvalJson.Write(s, report)));
        }

        if (outputs.Csv is { } csv)
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
