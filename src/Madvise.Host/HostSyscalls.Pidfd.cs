namespace Madvise.Host;

internal static partial class HostSyscalls
{
    /// <summary>pidfd_open(2); a descriptor or a negative errno.</summary>
    internal static long PidfdOpen(int pid, uint flags) => Result(Interop.Libc.PidfdOpen(pid, flags));

    /// <summary>SIGKILL.</summary>
    internal const int SIGKILL = Interop.Libc.SIGKILL;

    /// <summary>pidfd_send_signal(2).</summary>
    internal static long PidfdSendSignal(int pidfd, int signal) => Result(Interop.Libc.PidfdSendSignal(pidfd, signal));

    /// <summary>
    /// The pid a pidfd names, from its /proc/PID/fdinfo text (the <c>Pid:</c> line): -1 when the
    /// process is gone, null when the text is missing or is not a pidfd's.
    /// </summary>
    internal static int? FdinfoPid(string? fdinfo)
    {
        if (fdinfo is null)
        {
            return null;
        }

        foreach (var line in fdinfo.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("Pid:", StringComparison.Ordinal) &&
                int.TryParse(line[4..].Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var pid))
            {
                return pid;
            }
        }

        return null;
    }
}
