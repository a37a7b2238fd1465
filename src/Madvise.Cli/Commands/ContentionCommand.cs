using System.CommandLine;
using Madvise.Cli.Help;
using Madvise.Cli.Report;

namespace Madvise.Cli.Commands;

/// <summary>
/// <c>madv contention</c>: the downside the series names but does not measure — how long another
/// thread's mmap_lock write operations wait while process_madvise() batches hold the lock — and
/// the per-call cap that bounds it.
/// </summary>
internal static class ContentionCommand
{
    /// <summary>Default buffer size (the seed's).</summary>
    public const ulong DefaultMem = 256UL << 20;

    /// <summary>Default advisor batch sizes.</summary>
    public static readonly IReadOnlyList<int> DefaultBatches = [0, 1, 16, 128, 1024];

    /// <summary>Default per-call cap tried with the largest batch.</summary>
    public static readonly IReadOnlyList<int> DefaultCaps = [32];

    /// <summary>Default seconds per configuration.</summary>
    public const double DefaultSeconds = 2;

    /// <summary>Default writer pacing in microseconds.</summary>
    public const double DefaultIntervalMicroseconds = 50;

    /// <summary>Slices each configuration's time is cut into.</summary>
    public const int Slices = 4;

    /// <summary>Help text after the options: the workload, the output, exit codes, examples.</summary>
    private const string Details = """
        Workload: the advisor (this thread) writes every page of the buffer, then applies the hint
        to it in units of --unit: madvise() per unit (batch 0) or process_madvise() with vectors
        of BATCH units, the vectors cut into calls of at most C ranges for 'cap C' (the advice
        batcher's MaxRangesPerCall). Meanwhile the writer (a second thread of the same process;
        on the simulated kernel a second simulated thread of the same task) repeatedly takes
        the mmap_lock for writing: mmap(MAP_FIXED)+munmap of one page of its own (--writer mmap)
        or mprotect toggling (--writer mprotect), each call timed into an HdrHistogram. It
        sleeps between calls (a call starts at most every --interval µs; the kernel's timer
        slack adds up to ~50 µs), so its calls land at moments spread over the advisor's pass
        and wait as often as the lock is taken; a back-to-back writer (--interval 0) competes
        for the CPUs and mostly measures its own uncontended calls. Only writer calls that
        start while the advisor is inside a timed pass are kept; the 'idle' row is the writer
        alone. Each configuration runs --seconds in 4 slices, the slices of
        all configurations interleaved in a shuffled order.

        Output:
          A header, then per kernel (simulated profiles, host) one row per advisor configuration:
          advisor throughput (GiB/s advised inside passes), passes, writer samples and its p50,
          p99, p99.9 and max latency in µs. --json and --plot write files atomically. Ctrl+C
          stops after the slice in progress and reports what was measured, marked PARTIAL.

        Output files and memory are checked before anything is measured, as by madv eval
        (see madv eval --help).

        Exit codes:
          0    measured
          1    an output file could not be written after the measurement
          2    a usage error (a bad option, an output file that cannot be created, --mem too large)
          130  interrupted by Ctrl+C

        Examples:
          madv contention
          madv contention --target sim --batches 0,64,1024 --cap 16,64 --writer mprotect --json c.json --plot c.png
        """;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var common = new MeasureOptions();
        common.Seconds.Description = $"Seconds each configuration is measured [default: {DefaultSeconds}].";
        var batches = new Option<string?>("--batches")
        {
            Description = $"Advisor batch sizes, comma-separated; 0 is the madvise() loop [default: {BatchList.Format(DefaultBatches)}].",
            HelpName = "LIST",
        };
        var caps = new Option<string?>("--cap")
        {
            Description = $"Per-call caps (ranges per process_madvise call) tried with the largest batch, comma-separated [default: {BatchList.Format(DefaultCaps)}].",
            HelpName = "LIST",
        };
        var writer = new Option<string?>("--writer")
        {
            Description = "What the writer does: mmap (mmap+munmap of one page) or mprotect (toggle one page) [default: mmap].",
            HelpName = "mmap|mprotect",
        };
        var interval = new Option<double?>("--interval")
        {
            Description = $"The writer sleeps so that calls start at most every US microseconds; 0 = back to back [default: {DefaultIntervalMicroseconds}].",
            HelpName = "US",
            CustomParser = OptionValues.Number("microseconds, e.g. 50"),
        };
        var command = new Command("contention", "Measure how long mmap_lock writers wait while the advisor runs process_madvise() batches, with and without a per-call cap.").WithHelpDetails(Details);
        common.AddTo(command);
        command.Options.Add(batches);
        command.Options.Add(caps);
        command.Options.Add(writer);
        command.Options.Add(interval);
        command.SetAction(parse =>
        {
            var resolved = common.Resolve(parse, DefaultMem, context);
            if (resolved is null)
            {
                return ExitCodes.Usage;
            }

            var batchList = DefaultBatches;
            if (parse.GetValue(batches) is { } text && !BatchList.TryParse(text, 0, out batchList, out var batchError))
            {
                context.Error.WriteLine("madv: --batches: " + batchError);
                return ExitCodes.Usage;
            }

            var capList = DefaultCaps;
            if (parse.GetValue(caps) is { } capText && !BatchList.TryParse(capText, 1, out capList, out var capError))
            {
                context.Error.WriteLine("madv: --cap: " + capError);
                return ExitCodes.Usage;
            }

            var kind = (parse.GetValue(writer) ?? "mmap").ToLowerInvariant() switch
            {
                "mmap" => WriterKind.Mmap,
                "mprotect" => WriterKind.Mprotect,
                _ => (WriterKind?)null,
            };
            if (kind is null)
            {
                context.Error.WriteLine("madv: --writer must be mmap or mprotect");
                return ExitCodes.Usage;
            }

            var pacing = parse.GetValue(interval) ?? DefaultIntervalMicroseconds;
            if (!(pacing >= 0 && pacing <= 1e6))
            {
                context.Error.WriteLine("madv: --interval must be between 0 and 1000000 µs");
                return ExitCodes.Usage;
            }

            if (!MeasureOptions.FitsInMemory(context, resolved, 1))
            {
                return ExitCodes.Usage;
            }

            var seconds = parse.GetValue(common.Seconds) ?? DefaultSeconds;
            var settings = new ContentionSettings(resolved.Spec, resolved.Targets, batchList, capList, kind.Value, TimeSpan.FromMicroseconds(pacing), TimeSpan.FromSeconds(seconds), Slices);
            using var ctrlC = new CtrlC();
            return Execute(context, resolved, settings, ctrlC.Token);
        });
        return command;
    }

    /// <summary>Runs the measurement, prints the table and writes the files.</summary>
    public static int Execute(CliContext context, MeasureSettings common, ContentionSettings settings, CancellationToken cancel)
    {
        return MeasurementSession.Run(
            context,
            common,
            "contention",
            (workloads, sink) => ContentionRunner.Run(workloads, settings, sink, cancel),
            (console, machine, started, measurement) =>
            {
                var report = new ContentionReport(machine, settings, measurement, started);
                TableOutput.Write(console, ContentionTable.HeaderLines(report), ContentionTable.Build(report), common.Markdown);
                var ok = true;
                if (common.Json is { } json)
                {
                    ok &= OutputFiles.Try(context, json, () => AtomicFile.Write(json, s => ContentionJson.Write(s, report)));
                }

                if (common.Plot is { } plot)
                {
                    ok &= OutputFiles.Try(context, plot, () =>
                    {
                        if (!ContentionPlot.Save(report, plot))
                        {
                            context.Error.WriteLine($"madv: {plot}: nothing to plot (no configuration has both throughput and writer samples)");
                        }
                    });
                }

                return measurement.Partial ? EvalCommand.Interrupted : ok ? ExitCodes.Success : ExitCodes.Failure;
            });
    }
}
