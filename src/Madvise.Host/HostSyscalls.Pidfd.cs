namespace Madvise.Host;

internal static partial class HostSyscalls
{
    /// <summary>pidfd_open(2); a descriptor or a negative errno.</summary>
    internal static long PidfdOpen(int pid, uint flags) => Result(Interop.Libc.PidfdOpen(pid, flags));

    /// <summary>SIGKILL.</summary>
    internal const int SIGKILL = Interop.Libc.SIGKILL;

    /// <summary>pidfd_send_signal(2).</summary>
    internal static long PidfdSendSignal(int pidfd, int signal) => Result(Interop.Libc.PidfdSendSignal(pidfd, signal));
}
