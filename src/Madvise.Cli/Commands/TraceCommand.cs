using System.CommandLine;
using Madvise.Cli.Help;
using Madvise.Replay.Recording;

namespace Madvise.Cli.Commands;

/// <summary><c>madv trace -- CMD ...</c> / <c>madv trace --pid PID</c>: records an strace log (and the maps) for <c>madv replay</c>.</summary>
internal static class TraceCommand
{
    private const string Details = """
        Runs
          strace -f -ttt -T -e trace=%memory,process_madvise,pidfd_open,clone,clone3,fork,vfork,execve,exit_group,exit -o LOG
        on CMD (or attached to --pid PID) and records /proc/PID/maps of the first process at the
        start of the log, as NAME.maps beside LOG, where madv replay finds it:
          - for CMD: strace holds each new process for --maps-delay at its first mmap() (ld.so's
            first mapping just after execve, or a static program's runtime's: Go programs never
            call brk()) and the maps are read meanwhile (the executable, ld.so, the stack, the
            vDSO); every process of the traced tree is held once, so a program that starts many
            processes runs slower (the held call's line says (DELAYED), and its <duration>
            includes the hold);
          - for --pid: the maps just before strace attaches (the process keeps running: a mapping
            made in between is missing from the file).
        The command's output and strace's own messages go to the terminal. Ctrl+C: strace
        detaches (--pid) or the command is interrupted; the log is kept.

        Requires strace (Debian/Ubuntu: apt-get install strace). Attaching to a process of
        another user needs root or CAP_SYS_PTRACE (and kernel.yama.ptrace_scope allowing it).

        Exit codes:
          the traced command's (strace's) exit status; 2 when strace is missing or the options are wrong

        Examples:
          madv trace -o redis.log -- redis-server --port 6400
          madv trace -o go.log -- ./mygoprogram      (static: maps at its runtime's first mmap)
          madv trace --pid 1234 -o app.log
          madv replay redis.log
        """;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var output = new Option<string>("-o", "--output") { Description = "The log to write (default madv-trace.log); the maps go to NAME.maps beside it.", HelpName = "LOG", DefaultValueFactory = _ => "madv-trace.log" };
        var pid = new Option<int?>("--pid", "-p") { Description = "Attach to this running process (and its threads) instead of running a command.", HelpName = "PID", CustomParser = OptionValues.WholeNumber("a process id, e.g. 4242") };
        var noMaps = new Option<bool>("--no-maps") { Description = "Do not record the maps (and do not hold processes at their first mmap())." };
        var delay = new Option<int>("--maps-delay") { Description = "How long each new process is held at its first mmap() while the maps are read, in milliseconds.", HelpName = "MS", DefaultValueFactory = _ => 100, CustomParser = OptionValues.Integer<int>("milliseconds, e.g. 100") };
        var command = new Argument<string[]>("CMD") { Description = "The command to trace and its arguments (after --).", Arity = ArgumentArity.ZeroOrMore };
        var trace = new Command("trace", "Record an strace log of a command's (or a process's) memory system calls, and its maps, for madv replay.")
        {
            output, pid, noMaps, delay, command,
        }.WithHelpDetails(Details);
        trace.SetAction(parse => Execute(context, parse.GetValue(output)!, parse.GetValue(pid), !parse.GetValue(noMaps), parse.GetValue(delay), parse.GetValue(command) ?? []));
        return trace;
    }

    /// <summary>Checks the options, finds strace (on <paramref name="searchPath"/>, default PATH), records.</summary>
    public static int Execute(CliContext context, string log, int? pid, bool maps, int delayMs, string[] command, string? searchPath = null)
    {
        if ((pid is null) == (command.Length == 0))
        {
            context.Error.WriteLine(pid is null
                ? "madv: trace: give a command after -- (madv trace -- CMD ARGS...), or --pid PID"
                : "madv: trace: give either a command or --pid, not both");
            return ExitCodes.Usage;
        }

        if (pid is <= 0)
        {
            context.Error.WriteLine($"madv: trace: --pid {pid}: not a process id");
            return ExitCodes.Usage;
        }

        if (pid is { } p && !Directory.Exists($"/proc/{p}"))
        {
            context.Error.WriteLine($"madv: trace: --pid {p}: no such process");
            return ExitCodes.Usage;
        }

        if (delayMs is < 1 or > 60_000)
        {
            context.Error.WriteLine($"madv: trace: --maps-delay {delayMs}: between 1 and 60000 milliseconds");
            return ExitCodes.Usage;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(log))!;
        if (!Directory.Exists(directory) || Directory.Exists(log))
        {
            context.Error.WriteLine($"madv: trace: -o {log}: {(Directory.Exists(log) ? "is a directory" : "its directory does not exist")}");
            return ExitCodes.Usage;
        }

        var strace = StraceRecorder.FindStrace(searchPath);
        if (strace is null)
        {
            context.Error.WriteLine("madv: trace: strace is not installed (it is not on PATH). madv trace runs strace to record the log; install it (Debian/Ubuntu: apt-get install strace) or record with strace yourself:");
            context.Error.WriteLine($"  strace -f -ttt -T -e trace={StraceRecorder.Filter} -o LOG CMD");
            return ExitCodes.Usage;
        }

        var mapsPath = maps ? Path.Combine(directory, Path.GetFileNameWithoutExtension(log) + ".maps") : null;
        var request = new TraceRequest { LogPath = log, Command = command.Length > 0 ? command : null, Pid = pid, MapsPath = mapsPath, MapsDelay = TimeSpan.FromMilliseconds(delayMs) };
        context.Error.WriteLine($"madv: trace: {strace} {string.Join(' ', StraceRecorder.Arguments(request).Select(Quote))}");
        TraceResult result;
        using (var ctrlC = new CtrlC())
        {
            try
            {
                result = StraceRecorder.Record(request, strace, ctrlC.Token);
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                context.Error.WriteLine($"madv: trace: cannot run {strace}: {ex.Message}");
                return ExitCodes.Usage;
            }
        }

        var lines = File.Exists(log) ? File.ReadLines(log).Count() : 0;
        context.Out.WriteLine($"wrote {log} ({lines} lines)");
        if (result.MapsPath is not null)
        {
            context.Out.WriteLine($"wrote {result.MapsPath} ({result.Mappings} mappings)");
        }
        else if (result.MapsProblem is not null)
        {
            context.Error.WriteLine($"madv: trace: no maps file: {result.MapsProblem}; madv replay will map such memory implicitly");
        }

        context.Out.WriteLine($"replay it with: madv replay {Quote(log)}");
        return result.ExitCode;
    }

    private static string Quote(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=%,:+".Contains(c)) ? s : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
