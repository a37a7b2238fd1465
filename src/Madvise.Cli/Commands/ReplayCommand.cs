using System.CommandLine;
using Madvise.Cli.Help;
using Madvise.Cli.Report;
using Madvise.Host;
using Madvise.Kernel;
using Madvise.Measurement.Reporting;
using Madvise.Measurement.Workloads;
using Madvise.Replay.Replay;
using Madvise.Replay.Report;

namespace Madvise.Cli.Commands;

/// <summary><c>madv replay LOG</c>: a program's memory system calls, from an strace log, on the simulated kernel.</summary>
internal static class ReplayCommand
{
    private const string Details = """
        Input: the log of
          strace -f -ttt -T -e trace=%memory,process_madvise,pidfd_open,clone,clone3,fork,vfork,execve,exit_group,exit -o LOG CMD
        (madv trace runs exactly that), also without -ttt/-T, with -tt/-t/-r, -y, -Y, -v,
        -X raw/verbose, or -p PID. Lines that cannot be used (binary bytes, a line cut in the
        middle, a log cut mid-line) are counted and listed with their line numbers, never fatal.
        LOG must be a regular file: it is read once per pass, each time up to the size it had
        at the start (a log strace is still writing can be replayed); save a pipe to a file.
        Memory stays bounded whatever the log's length (a streaming parser; nothing kept per
        call); the simulated machine's RAM is bounded by --max-resident.

        What it does:
          Every traced process becomes a simulated process (threads share it, fork copies it,
          execve replaces it); every memory call runs on the simulated kernel with the logged
          arguments (an mmap at the address the log shows), and its result is compared with the
          logged one. Memory the kernel mapped without a traced call (the executable, ld.so, the
          stack, everything before an attach) comes from the maps file when there is one, else
          becomes an implicit mapping on first use and that call is not judged. brk and mremap
          are applied as logged (the simulated kernel has neither). Before a DONTNEED, FREE,
          COLD or PAGEOUT the replay writes one byte per page (the program had used that
          memory), so that zaps and TLB shootdowns cost what they would (--no-touch: not).
          A first pass on the first profile judges the results (and warms the code up); then
          the log is replayed --runs times per profile; with the advisor, once more per profile
          rewritten so that each run of madvise() calls (same thread, same advice, each within
          --window of the last, no change of the address space in between) is one
          process_madvise() vector: the series' effect on this program.
          Not judged (counted by reason): process events (clone, fork, execve, exit: applied),
          brk and mremap (emulated), calls on implicit mappings, calls the simulated kernel
          does not have (mseal, msync, mbind, ...), descriptors the log does not explain,
          vectors strace cut, calls without a result, populating beyond --max-resident.

        Output:
          the log's format and what could not be used; the passes' speed (calls per second
          and per CPU second) and the peak resident memory; a table of programs (calls, judged,
          matched, differed, not judged); per program its calls, advice values, reasons for not
          judging and each difference (line, logged result, simulated result; the first 20 in
          text, 1,000 per program in the JSON, all counted); a table of costs
          per profile (mmap_lock acquisitions, TLB shootdowns and time of the madvise calls, as
          logged and batched); the advisor's runs. --json FILE: everything (schema madv-replay/1,
          see the README).

        Maps file: --maps FILE, else LOG's NAME.execve.maps or NAME.maps next to it when present
        (madv trace writes NAME.maps); --maps none: no maps file.

        Exit codes:
          0  every judged result matched
          1  a result differed (or two profiles disagreed)
          2  the log or maps file cannot be read or is not an strace log (no line is a
             system call), bad options

        Examples:
          madv replay tests/traces/redis/redis-bench.log
          madv replay app.log --profile PerRangeLock --profile BatchedLock --json app.json
          madv replay big.log --no-advisor --profile PerVmaLock      (throughput of one pass)
        """;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var log = new Argument<string>("LOG") { Description = "The strace log." };
        var maps = new Option<string?>("--maps") { Description = "/proc/PID/maps of the first process at the start of the log (default: NAME.execve.maps or NAME.maps beside LOG; 'none' for no file).", HelpName = "FILE" };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON (schema madv-replay/1).", HelpName = "FILE" };
        var profiles = new Option<string[]>("--profile") { Description = "Kernel profile to replay on (repeatable; default: all four; the first judges).", HelpName = "PROFILE", AllowMultipleArgumentsPerToken = false };
        var noAdvisor = new Option<bool>("--no-advisor") { Description = "Do not replay the program rewritten with batched process_madvise() vectors." };
        var window = new Option<long>("--window") { Description = "The advisor's window: the largest gap between two calls of one run, in microseconds.", HelpName = "MICROSECONDS", DefaultValueFactory = _ => Madvise.Replay.Advisor.BatchingAdvisor.DefaultWindowMicros, CustomParser = OptionValues.Integer<long>("microseconds, e.g. 1000") };
        var runs = new Option<int>("--runs") { Description = "Replay each pass this many times (the times become samples with intervals).", HelpName = "N", DefaultValueFactory = _ => 1, CustomParser = OptionValues.Integer<int>("a number of runs, e.g. 3") };
        var noTouch = new Option<bool>("--no-touch") { Description = "Do not write to pages before a zapping advice (zaps then find nothing to free)." };
        var memory = new Option<string?>("--memory") { Description = "RAM of the simulated machine (default 4G): its overcommit check compares single requests with it.", HelpName = "SIZE" };
        var maxResident = new Option<string?>("--max-resident") { Description = "The most memory the replay may populate (default 2G); calls beyond are skipped and counted.", HelpName = "SIZE" };
        var markdown = new Option<bool>("--markdown") { Description = "Print the tables in Markdown, without colours." };
        var command = new Command("replay", "Replay an strace log's memory system calls on the simulated kernel: matched results, costs per profile, batching advice.")
        {
            log, maps, json, profiles, noAdvisor, window, runs, noTouch, memory, maxResident, markdown,
        }.WithHelpDetails(Details);
        command.SetAction(parse => Execute(context, new Request(
            parse.GetValue(log)!, parse.GetValue(maps), parse.GetValue(json), parse.GetValue(profiles) ?? [], !parse.GetValue(noAdvisor),
            parse.GetValue(window), parse.GetValue(runs), !parse.GetValue(noTouch), parse.GetValue(memory), parse.GetValue(maxResident), parse.GetValue(markdown))));
        return command;
    }

    /// <summary>The parsed command line.</summary>
    internal sealed record Request(
        string Log, string? Maps, string? Json, string[] Profiles, bool Advisor, long WindowMicros, int Runs, bool Touch,
        string? Memory, string? MaxResident, bool Markdown);

    /// <summary>Checks the options, replays, prints, writes the JSON.</summary>
    public static int Execute(CliContext context, Request request)
    {
        var settings = Settings(context, request);
        if (settings is null)
        {
            return ExitCodes.Usage;
        }

        var console = ConsoleOutput.Create(context.Out);
        var started = DateTimeOffset.UtcNow;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ReplayReport report;
        using (var ctrlC = new CtrlC())
        {
            try
            {
                report = SpectreProgress.Run(console, ConsoleOutput.IsTerminal(context.Out), "replay", sink => ReplaySession.Run(settings, sink, ctrlC.Token));
            }
            catch (OperationCanceledException)
            {
                context.Error.WriteLine("madv: replay: cancelled before the first pass completed; nothing written");
                return ExitCodes.Failure;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                context.Error.WriteLine($"madv: {request.Log}: cannot read: {ex.Message}");
                return ExitCodes.Usage;
            }
        }

        Print(console, report, request.Markdown);
        if (report.Calls == 0 && report.Parse.Unusable > 0)
        {
            context.Error.WriteLine(FormattableString.Invariant($"madv: {request.Log}: not an strace log: none of its {report.Parse.Lines:N0} lines is a system call strace wrote (the lines not used are shown above)"));
            return ExitCodes.Usage;
        }

        if (request.Json is { } path
            && !OutputFiles.Try(context, path, () => AtomicFile.Write(path, stream => ReplayJson.Write(stream, report, MachineInfo.Current(), started, clock.Elapsed))))
        {
            return ExitCodes.Usage;
        }

        return report.Differed > 0 || report.ProfileDisagreements.Count > 0 ? ExitCodes.Failure : ExitCodes.Success;
    }

    private static void Print(Spectre.Console.IAnsiConsole console, ReplayReport report, bool markdown)
    {
        var writer = console.Profile.Out.Writer;
        TableOutput.Write(console, ReplayText.Header(report), ReplayText.Programs(report), markdown);
        foreach (var program in report.Programs)
        {
            writer.WriteLine();
            foreach (var line in ReplayText.Details(program))
            {
                writer.WriteLine(line);
            }
        }

        var costs = ReplayText.Costs(report);
        if (costs.Rows.Count > 0)
        {
            writer.WriteLine();
            TableOutput.Write(console, ["## Costs of the madvise and process_madvise calls per kernel profile (as logged, and batched by the advisor)"], costs, markdown);
        }

        var advisor = ReplayText.Advisor(report);
        if (advisor.Rows.Count > 0)
        {
            writer.WriteLine();
            TableOutput.Write(console, [$"## Batching advisor: runs of madvise() calls that could be one process_madvise() vector (window {report.Settings.WindowMicros} µs)"], advisor, markdown);
        }
    }

    /// <summary>The replay settings of <paramref name="request"/>, or null after printing what is wrong.</summary>
    private static ReplaySettings? Settings(CliContext context, Request request)
    {
        if (Directory.Exists(request.Log) || !File.Exists(request.Log))
        {
            context.Error.WriteLine($"madv: {request.Log}: {(Directory.Exists(request.Log) ? "is a directory, not a log" : "no such file")}");
            return null;
        }

        if (LogProblem(request.Log) is { } problem)
        {
            context.Error.WriteLine($"madv: {request.Log}: {problem}");
            return null;
        }

        if (request.Json is { } jsonPath && OutputFiles.Check("--json", jsonPath, ".json") is { } jsonError)
        {
            context.Error.WriteLine("madv: " + jsonError);
            return null;
        }

        var profiles = new List<KernelProfile>();
        foreach (var name in request.Profiles)
        {
            if (!Enum.TryParse<KernelProfile>(name, ignoreCase: true, out var profile) || !Enum.IsDefined(profile))
            {
                context.Error.WriteLine($"madv: --profile {name}: not a kernel profile (one of {string.Join(", ", ReplaySettings.AllProfiles)})");
                return null;
            }

            if (!profiles.Contains(profile))
            {
                profiles.Add(profile);
            }
        }

        if (request.Runs is < 1 or > RatioLimit)
        {
            context.Error.WriteLine($"madv: --runs {request.Runs}: between 1 and {RatioLimit}");
            return null;
        }

        if (request.WindowMicros < 0)
        {
            context.Error.WriteLine($"madv: --window {request.WindowMicros}: a number of microseconds, 0 or more");
            return null;
        }

        var memory = KernelConfig.Default.MemoryBytes;
        if (request.Memory is not null && (!ByteSize.TryParse(request.Memory, out memory) || memory < (64UL << 20) || memory > (1UL << 42)))
        {
            context.Error.WriteLine($"madv: --memory {request.Memory}: a size between 64M and 4T (e.g. 8G)");
            return null;
        }

        var maxResident = 2UL << 30;
        if (request.MaxResident is not null && (!ByteSize.TryParse(request.MaxResident, out maxResident) || maxResident < (1UL << 20)))
        {
            context.Error.WriteLine($"madv: --max-resident {request.MaxResident}: a size of at least 1M (e.g. 512M)");
            return null;
        }

        var mapsPath = request.Maps switch
        {
            "none" => null,
            null => FindMaps(request.Log),
            _ => request.Maps,
        };
        IReadOnlyList<ProcMapping>? maps = null;
        if (mapsPath is not null)
        {
            try
            {
                using var reader = new StreamReader(mapsPath);
                maps = ProcMaps.Parse(reader, smaps: false);
            }
            catch (FormatException ex)
            {
                context.Error.WriteLine($"madv: {mapsPath}: not a /proc/PID/maps file: {ex.Message}");
                return null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                context.Error.WriteLine($"madv: {mapsPath}: cannot read: {ex.Message}");
                return null;
            }
        }

        return new ReplaySettings
        {
            LogPath = request.Log,
            MapsPath = mapsPath,
            Maps = maps,
            Profiles = profiles.Count > 0 ? profiles : ReplaySettings.AllProfiles,
            Advisor = request.Advisor,
            WindowMicros = request.WindowMicros,
            Runs = request.Runs,
            Touch = request.Touch,
            MemoryBytes = memory,
            MaxResidentBytes = maxResident,
        };
    }

    /// <summary>Why <paramref name="log"/> cannot be replayed (it is read once per pass, so it must be a file that can be read again), or null.</summary>
    private static string? LogProblem(string log)
    {
        try
        {
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            return !stream.CanSeek ? "not a regular file (a pipe?): madv replay reads the log once per pass; save it to a file first"
                : stream.Length == 0 ? "empty (or a device, not a log): nothing to replay"
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "cannot read: " + ex.Message;
        }
    }

    /// <summary>The most runs (the ratio intervals keep runs² pairwise ratios).</summary>
    private const int RatioLimit = Madvise.Measurement.Statistics.RatioEstimate.MaxSampleSize;

    /// <summary>NAME.execve.maps or NAME.maps beside NAME.log, if present.</summary>
    internal static string? FindMaps(string log)
    {
        var directory = Path.GetDirectoryName(log) ?? ".";
        var name = Path.GetFileNameWithoutExtension(log);
        foreach (var candidate in new[] { name + ".execve.maps", name + ".maps" })
        {
            var path = Path.Combine(directory, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }
}
