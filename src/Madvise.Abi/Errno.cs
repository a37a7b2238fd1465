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
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int E2BIG = 7;
    public const int EBADF = 9;
    public const int ECHILD = 10;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int EFBIG = 27;
    public const int ENOSPC = 28;
    public const int ERANGE = 34;
    public const int EDEADLK = 35;
    public const int ENOSYS = 38;
    public const int EOVERFLOW = 75;
    public const int EOPNOTSUPP = 95;
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
