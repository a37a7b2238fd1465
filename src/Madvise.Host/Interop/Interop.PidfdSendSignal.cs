internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>pidfd_send_signal(2) through syscall(2): signals exactly the process the pidfd names, immune to pid reuse.</summary>
        internal static int PidfdSendSignal(int pidfd, int signal) =>
            (int)Syscall(SyscallNumbers.PidfdSendSignal, pidfd, signal, 0, 0, 0);

        /// <summary>SIGKILL.</summary>
        internal const int SIGKILL = 9;
    }
}
