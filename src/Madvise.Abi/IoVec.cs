using System.Runtime.InteropServices;

namespace Madvise.Abi;

/// <summary>struct iovec as laid out in user memory on a 64-bit kernel: base, then length.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct IoVec(ulong Base, ulong Len)
{
    /// <summary>sizeof(struct iovec).</summary>
    public const int Size = 16;

    /// <summary>UIO_MAXIOV (IOV_MAX): the largest vector process_madvise accepts.</summary>
    public const int UIO_MAXIOV = 1024;

    /// <summary>UIO_FASTIOV: vectors up to this length are imported without an allocation.</summary>
    public const int UIO_FASTIOV = 8;

    /// <summary>MAX_RW_COUNT: INT_MAX rounded down to a page; the cap on a vector's summed length.</summary>
    public const ulong MAX_RW_COUNT = 0x7FFFF000;
}
