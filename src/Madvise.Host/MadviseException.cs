using System.Runtime.InteropServices;
using Madvise.Abi;

namespace Madvise.Host;

/// <summary>
/// A memory system call on the host kernel failed. <see cref="Errno"/> is the Linux errno
/// (<see cref="Madvise.Abi.Errno"/> numbering); <see cref="Exception.HResult"/> carries it too.
/// </summary>
public sealed class MadviseException : IOException
{
    /// <summary>Creates the exception for <paramref name="operation"/> failing with <paramref name="errno"/>.</summary>
    public MadviseException(string operation, int errno)
        : base(FormatMessage(operation, errno), errno)
    {
        Operation = operation;
        Errno = errno;
    }

    /// <summary>
    /// Creates the exception for <paramref name="operation"/> failing with <paramref name="errno"/>
    /// on <paramref name="range"/>: a call that advises several ranges names the one that failed.
    /// </summary>
    public MadviseException(string operation, int errno, IoVec range)
        : this(operation, errno)
    {
        Range = range;
    }

    /// <summary>The Linux errno value, e.g. 22 for EINVAL.</summary>
    public int Errno { get; }

    /// <summary>The failed call as text, e.g. <c>madvise(0x7f0000000000, 4096, 4)</c>.</summary>
    public string Operation { get; }

    /// <summary>The range the failure belongs to (base and length), or null when the call had no single range.</summary>
    public IoVec? Range { get; }

    /// <summary>The symbolic errno name, e.g. <c>EINVAL</c>.</summary>
    public string ErrnoName => Abi.Errno.Name(Errno);

    private static string FormatMessage(string operation, int errno) =>
        $"{operation} failed: {Marshal.GetPInvokeErrorMessage(errno)} ({Abi.Errno.Name(errno)})";
}
