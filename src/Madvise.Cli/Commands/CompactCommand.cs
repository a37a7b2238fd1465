using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Madvise.Cli.Compact;
using Madvise.Cli.Help;
using Madvise.Cli.Report;
using Madvise.Compaction;
using Madvise.Compaction.Engine;
using Madvise.Compaction.Host;
using Madvise.Compaction.Layout;
using Madvise.Compaction.Sim;

namespace Madvise.Cli.Commands;

/// <summary>
/// <c>madv compact PID</c> / <c>madv compact --sim</c>: reclaim another process's memory with
/// process_madvise() as Android's CachedAppOptimizer does, each call within a lock-hold budget.
/// The engine (Madvise.Compaction) does the work; this parses options and renders.
/// </summary>
internal static class CompactCommand
{
    /// <summary>Exit status when --deadline stopped it (as timeout(1)).</summary>
    public const int DeadlineExit = 124;

    private const string Details = """
        What it does: reads /proc/PID/maps and chooses the advice of each mapping as Android's
        compactor does (private anonymous: MADV_PAGEOUT; private file: MADV_COLD; in the all mode
        every other mapping MADV_COLD too; PAGEOUT before COLD), then advises them with
        process_madvise() on a pidfd. With the budget strategy each call is sized from a cost
        model learned from the calls before it (CPU time per call, per range, per byte, per advice)
        so that it holds the target's mmap_lock for at most --budget; a mapping too large for one
        call is split at page boundaries. --strategy fixed sends Android's batches instead (up to
        1,024 mappings and 2 GiB per call, whatever that costs). Errors as on Android: EINVAL with
        no progress skips the first range (locked or VM_PFNMAP mappings), a short count skips one
        page past the failure, ESRCH (the target exited) ends it with what was done; ENOMEM (a
        range the target unmapped meanwhile) is skipped too. Ctrl+C and --deadline stop it between
        calls, never inside one.

        Needs: CAP_SYS_NICE and PTRACE_MODE_READ access to the target (root, or the same user
        with the capability); inside a container the default seccomp profile refuses
        process_madvise. Anonymous pages are paged out only to swap: without swap PAGEOUT frees
        file pages only (see --file-pageout and tools/zram-swap.sh). MADV_COLD frees nothing by
        itself; it makes the pages the first ones reclaim takes.

        --sim compacts a generated process on the simulated kernel instead (--profile, --mem,
        --vmas, --seed, --swap), with the same engine and the kernel's own checks.

        Output: the plan, the calls and their durations against the budget, the target's memory
        before and after (/proc/PID/smaps_rollup), anonymous memory freed, Android's efficiency
        and cost (CPU ms per MB freed), errors and notes. --json FILE writes it all (schema
        madv-compact/1 in the README), atomically.

        Exit codes:
          0    completed (or --dry-run)
          1    stopped by an error (EPERM, EACCES, ENOSYS ...) or the target exited meanwhile
          2    a usage error, or no such process
          124  --deadline reached
          130  interrupted by Ctrl+C

        Examples:
          madv compact 1234 --dry-run
          madv compact 1234 --budget 1ms --json compact.json
          madv compact 1234 --strategy fixed --mode anon
          madv compact --sim --profile BatchedLock --mem 256M --vmas 400
        """;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var options = new CompactOptions();
        var pid = new Argument<int?>("PID") { Description = "The process to compact (not with --sim).", Arity = ArgumentArity.ZeroOrOne, CustomParser = OptionValues.WholeNumber("a process id, e.g. 4242") };
        var sim = new Option<bool>("--sim") { Description = "Compact a generated process of the simulated kernel instead of a real one." };
        var profile = new Option<string?>("--profile") { Description = "Simulated kernel profile: PerRangeLock, BatchedLock, BatchedTlb, PerVmaLock [default: PerVmaLock].", HelpName = "NAME" };
        var strategy = new Option<string?>("--strategy") { Description = "budget (size each call to the budget) or fixed (Android's batches) [default: budget].", HelpName = "budget|fixed" };
        var maxRanges = new Option<int?>("--max-ranges") { Description = "fixed: ranges per call (1-1024) [default: 1024].", HelpName = "N", CustomParser = OptionValues.WholeNumber("a number of ranges, e.g. 64") };
        var maxBytes = new Option<string?>("--max-bytes") { Description = "Bytes per call at most, any strategy (4K to 2G-4K) [default: MAX_RW_COUNT, 2G-4K].", HelpName = "SIZE" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Read the maps and print the plan and the calls it would take; advise nothing." };
        var deadline = new Option<string?>("--deadline") { Description = "Start no call after this much time, e.g. 2s.", HelpName = "TIME" };
        var json = new Option<string?>("--json") { Description = "Also write the result as JSON (schema madv-compact/1).", HelpName = "FILE" };
        var calls = new Option<string?>("--calls") { Description = "Also write every call as CSV: sequence,advice,ranges,bytes,result,wall_ns,cpu_ns,predicted_ns.", HelpName = "FILE" };
        var noProgress = new Option<bool>("--no-progress") { Description = "No progress line (there is none either when standard error is not a terminal)." };
        var command = new Command("compact", "Reclaim another process's memory with process_madvise (as Android's CachedAppOptimizer), each call within a lock-hold budget.").WithHelpDetails(Details);
        command.Arguments.Add(pid);
        command.Options.Add(sim);
        command.Options.Add(profile);
        command.Options.Add(strategy);
        options.AddEngineOptions(command);
        command.Options.Add(maxRanges);
        command.Options.Add(maxBytes);
        command.Options.Add(dryRun);
        command.Options.Add(deadline);
        command.Options.Add(json);
        command.Options.Add(calls);
        command.Options.Add(noProgress);
        options.AddLayoutOptions(command);
        command.SetAction(parse =>
        {
            var error = context.Error;
            var isSim = parse.GetValue(sim);
            var target = parse.GetValue(pid);
            if (isSim == target.HasValue)
            {
                error.WriteLine(isSim ? "madv: give a PID or --sim, not both" : "madv: give the PID of the process to compact, or --sim");
                return ExitCodes.Usage;
            }

            if (!isSim && (parse.GetValue(profile) is not null || parse.GetValue(options.Mem) is not null || parse.GetValue(options.Vmas) is not null
                || parse.GetValue(options.Seed) is not null || parse.GetValue(options.Swap) is not null))
            {
                error.WriteLine("madv: --profile, --mem, --vmas, --seed and --swap describe a simulated target: use them with --sim");
                return ExitCodes.Usage;
            }

            var engine = options.ResolveEngine(parse, error);
            if (engine is null)
            {
                return ExitCodes.Usage;
            }

            var sizing = (parse.GetValue(strategy) ?? "budget").ToLowerInvariant() switch
            {
                "budget" => SizingStrategy.Budget,
                "fixed" => SizingStrategy.Fixed,
                _ => (SizingStrategy?)null,
            };
            if (sizing is null)
            {
                error.WriteLine("madv: --strategy must be budget or fixed");
                return ExitCodes.Usage;
            }

            var ranges = parse.GetValue(maxRanges) ?? IoVec.UIO_MAXIOV;
            if (ranges is < 1 or > IoVec.UIO_MAXIOV)
            {
                error.WriteLine("madv: --max-ranges must be 1 to 1024");
                return ExitCodes.Usage;
            }

            var bytes = IoVec.MAX_RW_COUNT;
            if (parse.GetValue(maxBytes) is { } b && (!ByteSize.TryParse(b, out bytes) || bytes < PageSize.PAGE_SIZE || bytes > IoVec.MAX_RW_COUNT || !PageSize.IsAligned(bytes)))
            {
                error.WriteLine($"madv: --max-bytes: '{b}' is not a multiple of 4K from 4K to 2G-4K");
                return ExitCodes.Usage;
            }

            TimeSpan? stopAfter = null;
            if (parse.GetValue(deadline) is { } d)
            {
                if (!DurationText.TryParse(d, out var span))
                {
                    error.WriteLine($"madv: --deadline: '{d}' is not a duration (e.g. 2s, 500ms)");
                    return ExitCodes.Usage;
                }

                stopAfter = span;
            }

            engine = engine with { Strategy = sizing.Value, MaxRanges = ranges, MaxBytes = bytes, DryRun = parse.GetValue(dryRun), Deadline = stopAfter };
            var kernelProfile = isSim ? CompactOptions.ResolveProfile(parse.GetValue(profile), error) : null;
            var layout = isSim ? options.ResolveLayout(parse, error) : null;
            if (isSim && (kernelProfile is null || layout is null))
            {
                return ExitCodes.Usage;
            }

            using var ctrlC = new CtrlC();
            var progress = !parse.GetValue(noProgress) && !Console.IsErrorRedirected && ReferenceEquals(error, Console.Error);
            var files = new OutputPaths(parse.GetValue(json), parse.GetValue(calls));
            return isSim
                ? RunSim(context, engine, kernelProfile!.Value, layout!, files, progress, ctrlC.Token)
                : RunHost(context, engine, target!.Value, files, progress, ctrlC.Token);
        });
        return command;
    }

    /// <summary>The output files asked for.</summary>
    /// <param name="Json">--json.</param>
    /// <param name="Calls">--calls.</param>
    private sealed record OutputPaths(string? Json, string? Calls);

    private static int RunHost(CliContext context, CompactionOptions options, int pid, OutputPaths files, bool progress, CancellationToken cancel)
    {
        HostCompactionTarget target;
        try
        {
            target = new HostCompactionTarget(pid);
        }
        catch (CompactionException ex)
        {
            context.Error.WriteLine("madv: " + ex.Message);
            return ex.Errno == Errno.ESRCH ? ExitCodes.Usage : ExitCodes.Failure;
        }

        using (target)
        {
            return Execute(context, target, options, new CompactJson.TargetInfo("host", null), files, progress, cancel);
        }
    }

    private static int RunSim(CliContext context, CompactionOptions options, Kernel.KernelProfile profile, LayoutSettings layout, OutputPaths files, bool progress, CancellationToken cancel)
    {
        if (progress)
        {
            context.Error.WriteLine($"madv: building a simulated target ({layout.Vmas} mappings touching {ByteSize.Format(layout.Mem)}, {profile})...");
        }

        using var world = SimCompactionWorld.Create(profile, TargetLayout.Generate(layout.Mem, layout.Vmas, layout.Seed), layout.SwapBytes);
        using var target = world.CreateTarget();
        return Execute(context, target, options, new CompactJson.TargetInfo("sim", profile.ToString()), files, progress, cancel);
    }

    private static int Execute(CliContext context, ICompactionTarget target, CompactionOptions options, CompactJson.TargetInfo info, OutputPaths files, bool progress, CancellationToken cancel)
    {
        var started = DateTimeOffset.UtcNow;
        var machine = MachineInfo.Current();
        var engine = new CompactionEngine(target, options);
        var records = files.Calls is null ? null : new List<CallRecord>();
        var last = Stopwatch.GetTimestamp();
        ulong bytes = 0;
        engine.CallCompleted = c =>
        {
            records?.Add(c);
            bytes += c.Result > 0 ? (ulong)c.Result : 0;
            if (progress && Stopwatch.GetElapsedTime(last) >= TimeSpan.FromMilliseconds(250))
            {
                last = Stopwatch.GetTimestamp();
                context.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\rmadv: {c.Sequence + 1:#,0} calls, {CompactText.Bytes(bytes)} advised   "));
            }
        };

        var result = engine.Run(cancel);
        if (progress)
        {
            context.Error.Write("\r" + new string(' ', 60) + "\r");
        }

        CompactText.Write(context.Out, result);
        var written = files.Json is not { } json || OutputFiles.Try(context, json, () => AtomicFile.Write(json, s => CompactJson.Write(s, result, info, machine, started)));
        if (files.Calls is { } csv)
        {
            written &= OutputFiles.Try(context, csv, () => AtomicFile.WriteText(csv, w => CompactCallsCsv.Write(w, records!)));
        }

        return result.Outcome switch
        {
            CompactionOutcome.Completed or CompactionOutcome.DryRun => written ? ExitCodes.Success : ExitCodes.Failure,
            CompactionOutcome.Cancelled => EvalCommand.Interrupted,
            CompactionOutcome.DeadlineReached => DeadlineExit,
            _ => ExitCodes.Failure,
        };
    }
}
