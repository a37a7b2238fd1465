using System.Globalization;
using System.Runtime.InteropServices;

namespace Madvise.Host;

/// <summary>A pidfd (pidfd_open(2)): a descriptor naming one process, immune to pid reuse.</summary>
/// <remarks>
/// The PIDFD_SELF sentinels (-10000, -10001) are not descriptors and cannot be wrapped; the
/// <see cref="HostMemory"/> overloads that take an <c>int</c> pidfd accept them.
/// </remarks>
public sealed class SafePidfdHandle : SafeHandle
{
    /// <summary>An invalid handle, for marshalling.</summary>
    public SafePidfdHandle()
        : base(-1, ownsHandle: true)
    {
    }

    /// <summary>Wraps an existing pidfd.</summary>
    public SafePidfdHandle(int fd, bool ownsHandle)
        : base(-1, ownsHandle)
    {
        SetHandle(fd);
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle < 0;

    /// <summary>The descriptor number.</summary>
    public int Fd => (int)handle;

    /// <summary>pidfd_open(<paramref name="pid"/>, <paramref name="flags"/>).</summary>
    /// <exception cref="MadviseException">The kernel refused (ESRCH, ENOSYS, EPERM ...).</exception>
    public static SafePidfdHandle Open(int pid, uint flags = 0)
    {
        var r = Interop.CheckIo(HostSyscalls.PidfdOpen(pid, flags), string.Create(CultureInfo.InvariantCulture, $"pidfd_open({pid}, {flags})"));
        return new SafePidfdHandle((int)r, ownsHandle: true);
    }

    /// <summary>pidfd_open without throwing.</summary>
    /// <returns>True on success; otherwise <paramref name="errno"/> is set and <paramref name="pidfd"/> is null.</returns>
    public static bool TryOpen(int pid, uint flags, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafePidfdHandle? pidfd, out int errno)
    {
        var r = HostSyscalls.PidfdOpen(pid, flags);
        if (r < 0)
        {
            pidfd = null;
            errno = (int)-r;
            return false;
        }

        pidfd = new SafePidfdHandle((int)r, ownsHandle: true);
        errno = 0;
        return true;
    }

    /// <summary>A pidfd of the calling process.</summary>
    public static SafePidfdHandle OpenSelf() => Open(HostSyscalls.GetPid());

    /// <summary>pidfd_send_signal(2) to the process this pidfd names.</summary>
    public void SendSignal(int signal)
    {
        var added = false;
        DangerousAddRef(ref added);
        try
        {
            Interop.CheckIo(HostSyscalls.PidfdSendSignal(Fd, signal), string.Create(CultureInfo.InvariantCulture, $"pidfd_send_signal({Fd}, {signal})"));
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Interop.Libc.Close((int)handle) == 0;
}
