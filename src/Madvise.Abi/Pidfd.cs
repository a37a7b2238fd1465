namespace Madvise.Abi;

/// <summary>pidfd constants (include/uapi/linux/pidfd.h).</summary>
public static class PidfdConstants
{
    /// <summary>PIDFD_SELF_THREAD (alias PIDFD_SELF): the calling thread.</summary>
    public const int PIDFD_SELF_THREAD = -10000;

    /// <summary>PIDFD_SELF_THREAD_GROUP (alias PIDFD_SELF_PROCESS): the calling thread group.</summary>
    public const int PIDFD_SELF_THREAD_GROUP = -10001;

    /// <summary>pidfd_open(2) flag: a pidfd for a thread rather than a thread-group leader (O_EXCL).</summary>
    public const uint PIDFD_THREAD = 0x80;

    /// <summary>pidfd_open(2) flag O_NONBLOCK.</summary>
    public const uint PIDFD_NONBLOCK = 0x800;
}
