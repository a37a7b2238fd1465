namespace Madvise.Compaction.Engine;

/// <summary>The target cannot be compacted at all: it is gone, or the caller may not read or advise it.</summary>
public sealed class CompactionException : Exception
{
    /// <summary>Creates the exception for <paramref name="errno"/> with an explanation.</summary>
    public CompactionException(int errno, string message)
        : base(message) => Errno = errno;

    /// <summary>The error number behind it (ESRCH, EACCES, EPERM, ENOSYS ...).</summary>
    public int Errno { get; }

    /// <summary>Its name (<c>EPERM</c>).</summary>
    public string ErrnoName => Abi.Errno.Name(Errno);
}
