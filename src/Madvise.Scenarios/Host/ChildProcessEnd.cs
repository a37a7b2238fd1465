using System.Globalization;

namespace Madvise.Scenarios.Host;

/// <summary>
/// Finds out how a task's process (an agent or a fork server, a child of this process) ended when
/// it ended without the scenario's <c>exit</c>: killed by a signal, exited on its own, or
/// stopped answering. The text is what the runner reports at the step where it was noticed.
/// </summary>
internal static class ChildProcessEnd
{
    /// <summary>
    /// How long to wait for the process to become a zombie once its socket broke: a dying process
    /// closes its files before the kernel marks it exited, so the socket reports the end first.
    /// </summary>
    internal const int SettleMilliseconds = 5_000;

    /// <summary>Linux's signal names, by number (x86-64; 1 to 31).</summary>
    private static readonly string[] SignalNames =
    [
        "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>
    /// The end of task <paramref name="task"/>'s process <paramref name="pid"/> whose socket broke
    /// or whose pidfd <paramref name="pidfd"/> became readable: waits up to
    /// <paramref name="settleMilliseconds"/> for it to end (killing it if it does not: a process
    /// whose socket broke cannot run steps any more), and reads how, leaving it a zombie.
    /// </summary>
    /// <returns><c>task B (pid 4242) was killed by SIGKILL</c>, <c>... exited with status 3</c>, <c>... stopped answering and was killed</c>.</returns>
    public static string Describe(string task, int pid, int pidfd, int settleMilliseconds = SettleMilliseconds)
    {
        var who = string.Create(CultureInfo.InvariantCulture, $"task {task} (pid {pid})");
        if (HarnessSyscalls.PollReadable(pidfd, settleMilliseconds) <= 0)
        {
            HarnessSyscalls.PidfdSendSignal(pidfd, HarnessSyscalls.SIGKILL);
            HarnessSyscalls.PollReadable(pidfd, -1);
            return who + " stopped answering and was killed";
        }

        return HarnessSyscalls.ChildEnded(pidfd, out var signal, out var status, out var core) switch
        {
            1 when signal != 0 => $"{who} was killed by {SignalName(signal)}{(core ? " (core dumped)" : "")}",
            1 => string.Create(CultureInfo.InvariantCulture, $"{who} exited with status {status}"),
            var r => $"{who} ended; how cannot be read ({Abi.Errno.Format(r)})",
        };
    }

    /// <summary>True once the process behind <paramref name="pidfd"/> has ended (a pidfd is readable then).</summary>
    public static bool HasEnded(int pidfd) => HarnessSyscalls.PollReadable(pidfd, 0) > 0;

    /// <summary><c>SIGKILL</c> for 9; a real-time or unknown signal by number (<c>signal 34</c>).</summary>
    public static string SignalName(int signal) =>
        signal > 0 && signal < SignalNames.Length ? SignalNames[signal] : string.Create(CultureInfo.InvariantCulture, $"signal {signal}");
}
