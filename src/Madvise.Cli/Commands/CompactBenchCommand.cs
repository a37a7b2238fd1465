using System.CommandLine;
using Madvise.Cli.Compact;
using Madvise.Cli.Help;
using Madvise.Cli.Report;

namespace Madvise.Cli.Commands;

/// <summary>
/// <c>madv compact-bench</c>: Android's fixed batching against the budgeted engine on a target
/// whose own thread keeps needing its mmap_lock — the writer's waits, the compactor's calls and
/// its reclaim per CPU-second — on the simulated profiles and the host. The measurement is
/// Madvise.Measurement's <see cref="CompactBenchRunner"/>; this parses and renders.
/// </summary>
internal static class CompactBenchCommand
{
    /// <summary>Default bytes the target touches.</summary>
    public const ulong DefaultMem = 128UL << 20;

    /// <summary>Default mappings.</summary>
    public const int DefaultVmas = 400;

    private const string Details = """
        Per kernel (every simulated profile with swap, then the host): a target process with a
        generated layout (--vmas mappings: small and large anonymous ones, some only partly
        touched, read-only and writable file mappings, shared memory, PROT_NONE guards, a 1 GiB
        reservation, a locked mapping; on the host the .NET runtime's own mappings come on top)
        and a thread in it that does mmap(MAP_FIXED)+munmap of a fenced page of its own at most
        every --interval µs, timing each call. First the writer runs alone (--idle seconds), then
        --runs rounds of one compaction with Android's fixed batches (1,024 VMAs / 2 GiB per
        call) and one with the budgeted engine (--budget per call), in a shuffled order, each
        after faulting the whole layout back in. The writer's samples count from just before the
        compactor reads the maps to just after its last call.

        The goal judged per kernel: the writer's p99 during the budgeted engine within the budget
        plus its p99 alone, and the budgeted engine reclaiming at least 0.95 of the fixed batches'
        bytes per CPU-second of the compactor (Hodges-Lehmann ratio of the runs with a 95%
        interval). Anonymous memory is reclaimed only to swap: the simulated kernels get --swap;
        on the host run it under tools/zram-swap.sh run -- madv compact-bench ... (root).

        Where the threads run decides what the compactor's TLB flushes cost: a flush interrupts
        every other CPU running the target at that moment, and a budget lets the target run
        between calls. The table counts remote TLB invalidations per run (the host's are the
        machine's TLB shootdown interrupts), and --host-cpus same,apart measures the host again
        with the compactor and the target pinned to one CPU, and to two.

        Output: header lines, the measurement table and the goal table; --json and --plot write
        files atomically (their names are checked before anything is measured). Ctrl+C stops between runs and reports what was measured, PARTIAL.

        Exit codes:
          0    measured
          1    an output file could not be written
          2    a usage error
          130  interrupted by Ctrl+C

        Examples:
          madv compact-bench
          madv compact-bench --target sim --profiles BatchedLock,PerVmaLock --runs 3 --mem 64M
          sudo tools/zram-swap.sh run -- madv compact-bench --target host --host-cpus free,same,apart
          sudo tools/zram-swap.sh run -- madv compact-bench --json docs/compact-bench.json --plot docs/compact-bench.png
        """;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var options = new CompactOptions();
        options.Mem.Description = $"Bytes the target's mappings touch [default: {ByteSize.Format(DefaultMem)}].";
        options.Vmas.Description = $"Mappings of the target (16 to 60000) [default: {DefaultVmas}].";
        var target = new Option<string?>("--target", "-t") { Description = "The kernels: sim (simulated profiles), host (this Linux kernel) or both [default: both].", HelpName = "sim|host|both" };
        var profiles = new Option<string?>("--profiles") { Description = "Simulated kernel profiles, comma-separated [default: all].", HelpName = "LIST" };
        var runs = new Option<int?>("--runs") { Description = "Compactions per strategy and kernel [default: 5].", HelpName = "N", CustomParser = OptionValues.WholeNumber("a number of compactions, e.g. 5") };
        var idle = new Option<double?>("--idle") { Description = "Seconds the writer runs alone per kernel [default: 1].", HelpName = "S", CustomParser = OptionValues.Number("seconds, e.g. 1.5") };
        var interval = new Option<double?>("--interval") { Description = "The writer starts a call at most every US microseconds [default: 50].", HelpName = "US", CustomParser = OptionValues.Number("microseconds, e.g. 50") };
        var hostCpus = new Option<string?>("--host-cpus")
        {
            Description = "Host placements, comma-separated, each measured as a kernel of its own: free (the scheduler decides), same (compactor and target pinned to one CPU), apart (to two) [default: free].",
            HelpName = "LIST",
        };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON (schema madv-compact-bench/1).", HelpName = "FILE" };
        var plot = new Option<string?>("--plot") { Description = "Also draw the results into FILE.png or FILE.svg.", HelpName = "FILE" };
        var markdown = new Option<bool>("--markdown") { Description = "Print the tables in Markdown (for a README)." };
        var noProgress = new Option<bool>("--no-progress") { Description = "No progress bar." };
        var command = new Command("compact-bench", "Measure Android's fixed batching against the budgeted compaction: the target's mmap_lock waits, call durations, reclaim per CPU-second.").WithHelpDetails(Details);
        command.Options.Add(target);
        command.Options.Add(profiles);
        options.AddEngineOptions(command);
        options.AddLayoutOptions(command);
        command.Options.Add(runs);
        command.Options.Add(idle);
        command.Options.Add(interval);
        command.Options.Add(hostCpus);
        command.Options.Add(json);
        command.Options.Add(plot);
        command.Options.Add(markdown);
        command.Options.Add(noProgress);
        command.SetAction(parse =>
        {
            var error = context.Error;
            var engine = options.ResolveEngine(parse, error);
            var layout = options.ResolveLayout(parse, error, DefaultMem, DefaultVmas);
            if (engine is null || layout is null)
            {
                return ExitCodes.Usage;
            }

            if (engine.FilePageout)
            {
                error.WriteLine("madv: --file-pageout is not part of the benchmark (it compares Android's advice)");
                return ExitCodes.Usage;
            }

            // One kernel at a time holds the layout: the simulated one (its pages, then their swap
            // copies) or the host's target child. Refused before anything runs when it cannot fit.
            if (context.ReadMemory() is { Available: { } available } memory && layout.Mem > available)
            {
                error.WriteLine($"madv: --mem {ByteSize.Format(layout.Mem)}: the target touches that much (one kernel at a time), but {MemoryAvailability.Gib(available)} is available ({memory.Describe()}); use a smaller --mem");
                return ExitCodes.Usage;
            }

            var selection = TargetSelection.Resolve(parse.GetValue(target) ?? "both", parse.GetValue(profiles), MemoryAdvice.MADV_PAGEOUT, out var targetError);
            if (selection is null)
            {
                error.WriteLine("madv: " + targetError);
                return ExitCodes.Usage;
            }

            var runCount = parse.GetValue(runs) ?? 5;
            var idleSeconds = parse.GetValue(idle) ?? 1;
            var pacing = parse.GetValue(interval) ?? 50;
            if (runCount is < 1 or > 1000 || !(idleSeconds > 0 && idleSeconds <= 600) || !(pacing >= 0 && pacing <= 1e6))
            {
                error.WriteLine("madv: --runs must be 1 to 1000, --idle more than 0 and at most 600, --interval 0 to 1000000");
                return ExitCodes.Usage;
            }

            var placements = new List<HostPlacement>();
            foreach (var name in (parse.GetValue(hostCpus) ?? "free").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                HostPlacement? placement = name.ToLowerInvariant() switch
                {
                    "free" => HostPlacement.Free,
                    "same" => HostPlacement.Same,
                    "apart" => HostPlacement.Apart,
                    _ => null,
                };
                if (placement is not { } known || placements.Contains(known))
                {
                    error.WriteLine($"madv: --host-cpus: '{name}' is not free, same or apart, or is given twice");
                    return ExitCodes.Usage;
                }

                placements.Add(known);
            }

            if (placements.Count == 0)
            {
                error.WriteLine("madv: --host-cpus: give free, same or apart");
                return ExitCodes.Usage;
            }

            var jsonFile = parse.GetValue(json);
            var plotFile = parse.GetValue(plot);
            var outputError = (jsonFile is null ? null : OutputFiles.Check("--json", jsonFile, ".json"))
                ?? (plotFile is null ? null : OutputFiles.Check("--plot", plotFile, PlotFile.Extensions));
            if (outputError is not null)
            {
                error.WriteLine("madv: " + outputError);
                return ExitCodes.Usage;
            }

            IReadOnlyList<string>? madv = null;
            if (selection.Host && (madv = MadvExecutable.Locate()) is null)
            {
                error.WriteLine("madv: cannot find madv to start the host's target process");
                return ExitCodes.Usage;
            }

            var settings = new CompactBenchSettings(
                layout.Mem, layout.Vmas, layout.Seed, layout.SwapBytes, selection.Profiles, madv, engine.Mode, engine.Budget,
                runCount, TimeSpan.FromSeconds(idleSeconds), TimeSpan.FromMicroseconds(pacing), placements);
            using var ctrlC = new CtrlC();
            var console = ConsoleOutput.Create(context.Out);
            var started = DateTimeOffset.UtcNow;
            var machine = MachineInfo.Current();
            var showProgress = !parse.GetValue(noProgress) && ConsoleOutput.IsTerminal(context.Out);
            var measurement = SpectreProgress.Run(console, showProgress, "compact-bench", sink => CompactBenchRunner.Run(settings, sink, ctrlC.Token));
            var report = new CompactBenchReport(machine, settings, measurement with { Notes = [.. selection.Notes, .. measurement.Notes] }, started);
            var md = parse.GetValue(markdown);
            TableOutput.Write(console, CompactBenchTable.HeaderLines(report), CompactBenchTable.Build(report), md);
            context.Out.WriteLine();
            TableOutput.Write(console, ["goal: writer p99 during the budgeted engine within budget + its p99 alone; budget ÷ fixed reclaim per CPU-second at least 0.95"], CompactBenchTable.BuildGoals(report), md);
            var ok = true;
            if (jsonFile is { } jsonPath)
            {
                ok &= OutputFiles.Try(context, jsonPath, () => AtomicFile.Write(jsonPath, s => CompactBenchJson.Write(s, report)));
            }

            if (plotFile is { } plotPath)
            {
                ok &= OutputFiles.Try(context, plotPath, () =>
                {
                    if (!CompactBenchPlot.Save(report, plotPath))
                    {
                        context.Error.WriteLine($"madv: {plotPath}: nothing to plot");
                    }
                });
            }

            return measurement.Partial ? EvalCommand.Interrupted : ok ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
