namespace Madvise.Abi;

/// <summary>
/// Linux errno values (x86-64 / asm-generic numbering) and their names.
/// </summary>
/// <remarks>
/// We use Linux's raw numbers rather than a portable enum because every result is
/// compared with the host kernel's. Syscall entry points return <c>-(long)Errno.X</c>.
/// </remarks>
public static class Errno
{
    /// <summary>Operation not permitted.</summary>
    public const int EPERM = 1;
    /// <summary>No such file or directory.</summary>
    public const int ENOENT = 2;
    /// <summary>No such process.</summary>
    public const int ESRCH = 3;
    /// <summary>Interrupted system call.</summary>
    public const int EINTR = 4;
    /// <summary>Input/output error.</summary>
    public const int EIO = 5;
    /// <summary>No such device or address.</summary>
    public const int ENXIO = 6;
    /// <summary>Argument list too long.</summary>
    public const int E2BIG = 7;
    /// <summary>Bad file descriptor.</summary>
    public const int EBADF = 9;
    /// <summary>No child processes.</summary>
    public const int ECHILD = 10;
    /// <summary>Resource temporarily unavailable.</summary>
    public const int EAGAIN = 11;
    /// <summary>Cannot allocate memory.</summary>
    public const int ENOMEM = 12;
    /// <summary>Permission denied.</summary>
    public const int EACCES = 13;
    /// <summary>Bad address.</summary>
    public const int EFAULT = 14;
    /// <summary>Device or resource busy.</summary>
    public const int EBUSY = 16;
    /// <summary>File exists.</summary>
    public const int EEXIST = 17;
    /// <summary>No such device.</summary>
    public const int ENODEV = 19;
    /// <summary>Invalid argument.</summary>
    public const int EINVAL = 22;
    /// <summary>Too many open files in system.</summary>
    public const int ENFILE = 23;
    /// <summary>Too many open files.</summary>
    public const int EMFILE = 24;
    /// <summary>File too large.</summary>
    public const int EFBIG = 27;
    /// <summary>No space left on device.</summary>
    public const int ENOSPC = 28;
    /// <summary>Numerical result out of range.</summary>
    public const int ERANGE = 34;
    /// <summary>Resource deadlock avoided.</summary>
    public const int EDEADLK = 35;
    /// <summary>Function not implemented.</summary>
    public const int ENOSYS = 38;
    /// <summary>Value too large for defined data type.</summary>
    public const int EOVERFLOW = 75;
    /// <summary>Operation not supported.</summary>
    public const int EOPNOTSUPP = 95;
    /// <summary>Memory page has hardware error.</summary>
    public const int EHWPOISON = 133;

    /// <summary>Kernel-internal: restart the system call transparently (never seen by user space).</summary>
    public const int ERESTARTSYS = 512;

    /// <summary>Kernel-internal: restart regardless of SA_RESTART (guard install losing a race).</summary>
    public const int ERESTARTNOINTR = 513;

    /// <summary>MAX_ERRNO: the largest errno a system call can return.</summary>
    public const int MAX_ERRNO = 4095;

    /// <summary>
    /// IS_ERR_VALUE(): true when <paramref name="result"/> of a call that returns an address or
    /// a negative errno (mmap) is an error, that is, in -4095..-1. Any other value is an address,
    /// even one at or above 2^63 that reads as a negative <c>long</c>.
    /// </summary>
    public static bool IsErrorValue(long result) => (ulong)result >= unchecked((ulong)-MAX_ERRNO);

    /// <summary>The canonical scenario spelling of a negative result, e.g. <c>-EINVAL</c>.</summary>
    public static string Format(long negativeErrno) => "-" + Name((int)-negativeErrno);

    /// <summary>The symbolic name of an errno value (<c>EINVAL</c>), or <c>E&lt;n&gt;</c> when unknown.</summary>
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        ESRCH => "ESRCH",
        EINTR => "EINTR",
        EIO => "EIO",
        ENXIO => "ENXIO",
        E2BIG => "E2BIG",
        EBADF => "EBADF",
        ECHILD => "ECHILD",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EFAULT => "EFAULT",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ENFILE => "ENFILE",
        EMFILE => "EMFILE",
        EFBIG => "EFBIG",
        ENOSPC => "ENOSPC",
        ERANGE => "ERANGE",
        EDEADLK => "EDEADLK",
        ENOSYS => "ENOSYS",
        EOVERFLOW => "EOVERFLOW",
        EOPNOTSUPP => "EOPNOTSUPP",
        EHWPOISON => "EHWPOISON",
        ERESTARTSYS => "ERESTARTSYS",
        ERESTARTNOINTR => "ERESTARTNOINTR",
        _ => "E" + errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
