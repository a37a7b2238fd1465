internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>pidfd_open(2) through syscall(2) (glibc exports it only from 2.36). Returns a descriptor or -1.</summary>
        internal static int PidfdOpen(int pid, uint flags) =>
            (int)Syscall(SyscallNumbers.PidfdOpen, pid, flags, 0, 0, 0);
    }
}
