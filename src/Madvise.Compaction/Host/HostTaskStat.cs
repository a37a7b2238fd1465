using System.Globalization;

namespace Madvise.Compaction.Host;

/// <summary>
/// What /proc/PID/stat says about a task that decides whether it has memory to compact: its state
/// (<c>Z</c>: exited, not yet reaped) and whether it is a kernel thread.
/// </summary>
/// <param name="State">The state letter (R, S, D, Z, ...).</param>
/// <param name="Flags">The task's PF_* flags (the ninth field).</param>
public readonly record struct HostTaskStat(char State, ulong Flags)
{
    /// <summary>PF_KTHREAD (include/linux/sched.h): a kernel thread, which has no user address space.</summary>
    public const ulong PF_KTHREAD = 0x00200000;

    /// <summary>A kernel thread: process_madvise() answers ESRCH, it has no mm.</summary>
    public bool IsKernelThread => (Flags & PF_KTHREAD) != 0;

    /// <summary>Exited and not yet reaped by its parent: its memory is gone already.</summary>
    public bool IsZombie => State == 'Z';

    /// <summary>Reads /proc/<paramref name="pid"/>/stat; false when it cannot be read or parsed (the task is gone).</summary>
    public static bool TryRead(int pid, out HostTaskStat stat)
    {
        stat = default;
        string text;
        try
        {
            text = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        return TryParse(text, out stat);
    }

    /// <summary>
    /// Parses the text of a /proc/PID/stat file: <c>pid (comm) state ppid pgrp session tty_nr tpgid flags ...</c>.
    /// The command name may hold spaces and parentheses, so the fields are counted from the last <c>)</c>.
    /// </summary>
    public static bool TryParse(string text, out HostTaskStat stat)
    {
        ArgumentNullException.ThrowIfNull(text);
        stat = default;
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return false;
        }

        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 7 || fields[0].Length != 1 || !ulong.TryParse(fields[6], NumberStyles.None, CultureInfo.InvariantCulture, out var flags))
        {
            return false;
        }

        stat = new HostTaskStat(fields[0][0], flags);
        return true;
    }
}
