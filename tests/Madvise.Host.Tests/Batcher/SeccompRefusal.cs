using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Madvise.Abi;

namespace Madvise.Host.Tests.Batcher;

/// <summary>
/// Runs code on a thread of its own under a seccomp filter that makes the kernel answer an errno
/// for process_madvise on one pidfd: a real refusal, as a container runtime's seccomp profile or
/// an old kernel produces, without touching the rest of the test process.
/// </summary>
/// <remarks>
/// seccomp filters belong to the thread that installs them (and threads it creates later); the
/// thread does nothing but the given action and then exits. The filter also matches only the
/// given descriptor, so a thread the runtime might create from this one is not hampered elsewhere.
/// </remarks>
internal static unsafe partial class SeccompRefusal
{
    /// <summary>prctl PR_SET_NO_NEW_PRIVS: lets an unprivileged thread install a filter.</summary>
    private const int PR_SET_NO_NEW_PRIVS = 38;

    /// <summary>prctl PR_SET_SECCOMP.</summary>
    private const int PR_SET_SECCOMP = 22;

    /// <summary>SECCOMP_MODE_FILTER.</summary>
    private const ulong SECCOMP_MODE_FILTER = 2;

    /// <summary>SECCOMP_RET_ERRNO: fail the call with the errno in the low 16 bits.</summary>
    private const uint SECCOMP_RET_ERRNO = 0x0005_0000;

    /// <summary>SECCOMP_RET_ALLOW.</summary>
    private const uint SECCOMP_RET_ALLOW = 0x7fff_0000;

    /// <summary>BPF_LD | BPF_W | BPF_ABS: load a 32-bit word of struct seccomp_data.</summary>
    private const ushort LoadWord = 0x20;

    /// <summary>BPF_JMP | BPF_JEQ | BPF_K.</summary>
    private const ushort JumpIfEqual = 0x15;

    /// <summary>BPF_RET | BPF_K.</summary>
    private const ushort Return = 0x06;

    /// <summary>process_madvise's number (the same on x86-64 and AArch64).</summary>
    private const uint ProcessMadviseNr = 440;

    /// <summary>Why filters cannot be installed here, or null; probed once.</summary>
    public static readonly string? Unavailable = Probe();

    /// <summary>
    /// Runs <paramref name="action"/> on a new thread whose process_madvise calls on
    /// <paramref name="pidfd"/> fail with <paramref name="errno"/>; rethrows what it throws.
    /// </summary>
    public static void Run(int pidfd, int errno, Action action)
    {
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Install(pidfd, errno);
                action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
    }

    /// <summary>Installs the filter on the calling thread.</summary>
    private static void Install(int pidfd, int errno)
    {
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 0xC000_003Eu,   // AUDIT_ARCH_X86_64
            Architecture.Arm64 => 0xC000_00B7u, // AUDIT_ARCH_AARCH64
            var other => throw new PlatformNotSupportedException($"no audit arch for {other}"),
        };

        // struct seccomp_data: nr at 0, arch at 4, args[0] at 16 (low word first on little-endian).
        SockFilter* program = stackalloc SockFilter[]
        {
            new(LoadWord, 0, 0, 4),
            new(JumpIfEqual, 0, 5, arch),
            new(LoadWord, 0, 0, 0),
            new(JumpIfEqual, 0, 3, ProcessMadviseNr),
            new(LoadWord, 0, 0, 16),
            new(JumpIfEqual, 0, 1, unchecked((uint)pidfd)),
            new(Return, 0, 0, SECCOMP_RET_ERRNO | (uint)errno),
            new(Return, 0, 0, SECCOMP_RET_ALLOW),
        };
        var fprog = new SockFprog { Length = 8, Filter = program };

        if (Prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
            Prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, (ulong)&fprog, 0, 0) != 0)
        {
            throw new InvalidOperationException($"seccomp filter refused: {Errno.Name(Marshal.GetLastPInvokeError())}");
        }
    }

    private static string? Probe()
    {
        string? reason = null;
        var thread = new Thread(() =>
        {
            try
            {
                Install(-2, Errno.EPERM);
            }
            catch (InvalidOperationException e)
            {
                reason = e.Message;
            }
        });
        thread.Start();
        thread.Join();
        return reason;
    }

    /// <summary>struct sock_filter: one classic-BPF instruction.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct SockFilter(ushort code, byte jumpTrue, byte jumpFalse, uint k)
    {
        /// <summary>Opcode.</summary>
        public readonly ushort Code = code;

        /// <summary>Instructions to skip when the comparison holds.</summary>
        public readonly byte JumpTrue = jumpTrue;

        /// <summary>Instructions to skip when it does not.</summary>
        public readonly byte JumpFalse = jumpFalse;

        /// <summary>The operand.</summary>
        public readonly uint K = k;
    }

    /// <summary>struct sock_fprog.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog
    {
        /// <summary>Instructions in the program.</summary>
        public ushort Length;

        /// <summary>The first instruction.</summary>
        public SockFilter* Filter;
    }

    /// <summary>prctl(2), bound here: the test's own call (the library binds none, and the harness's binding is its own).</summary>
    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
}
