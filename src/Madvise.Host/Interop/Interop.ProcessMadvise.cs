internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// process_madvise(2) through syscall(2): glibc exports a wrapper only from 2.36.
        /// </summary>
        /// <param name="pidfd">A pidfd, or PIDFD_SELF_THREAD / PIDFD_SELF_THREAD_GROUP; the kernel reads it as an int.</param>
        /// <param name="iovec">Address of the iovec array in this process (may be 0 or unmapped: the kernel reports -EFAULT).</param>
        /// <param name="vlen">Entries in the array.</param>
        /// <param name="advice">Behaviour number.</param>
        /// <param name="flags">Must be 0.</param>
        /// <returns>Bytes advised, or -1 with errno set.</returns>
        internal static long ProcessMadvise(long pidfd, ulong iovec, ulong vlen, int advice, ulong flags) =>
            Syscall(SyscallNumbers.ProcessMadvise, pidfd, unchecked((long)iovec), unchecked((long)vlen), advice, unchecked((long)flags));
    }
}
