using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>P_PIDFD: waitid's id is a pidfd (Linux 5.4).</summary>
        internal const int P_PIDFD = 3;

        /// <summary>WEXITED: wait for children that have terminated.</summary>
        internal const int WEXITED = 4;

        /// <summary>WNOWAIT: leave the child waitable (a zombie) after reporting it.</summary>
        internal const int WNOWAIT = 0x0100_0000;

        /// <summary>si_code of a SIGCHLD siginfo: the child called exit.</summary>
        internal const int CLD_EXITED = 1;

        /// <summary>si_code: the child was killed by a signal and dumped core (CLD_KILLED, 2, without a core).</summary>
        internal const int CLD_DUMPED = 3;

        /// <summary>waitid(2).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "waitid", SetLastError = true)]
        internal static unsafe partial int WaitId(int idType, uint id, SigInfo* info, int options);
    }

    /// <summary>The part of x86-64's 128-byte siginfo_t that waitid fills for a child: si_signo, si_errno, si_code, then _sigchld's si_pid, si_uid, si_status.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    internal struct SigInfo
    {
        [FieldOffset(0)] public int Signo;
        [FieldOffset(4)] public int Errno;
        [FieldOffset(8)] public int Code;
        [FieldOffset(16)] public int Pid;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public int Status;
    }
}
