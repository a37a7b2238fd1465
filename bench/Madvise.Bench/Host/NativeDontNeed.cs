using System.Runtime.InteropServices;
using Madvise.Kernel.Abi;

namespace Madvise.Bench.Host;

/// <summary>
/// The DONTNEED loops of <c>bench/native/dontneed.c</c>, built as a shared library, called in
/// this process: one native call runs a whole pass, so the C side of the comparison runs with
/// this process's threads and address space and at the same moments as the .NET side.
/// </summary>
/// <remarks>
/// The library's path comes from the <c>MADV_DONTNEED_LIB</c> environment variable
/// (<c>bench/native/compare.py</c> builds it and sets it); nothing is loaded otherwise.
/// </remarks>
internal sealed unsafe class NativeDontNeed
{
    /// <summary>The environment variable naming the library.</summary>
    public const string PathVariable = "MADV_DONTNEED_LIB";

    /// <summary>int dontneed_each(char *buffer, size_t size).</summary>
    private readonly delegate* unmanaged<nint, nuint, int> _each;

    /// <summary>int dontneed_whole(char *buffer, size_t size).</summary>
    private readonly delegate* unmanaged<nint, nuint, int> _whole;

    /// <summary>int dontneed_vectors(int pidfd, const struct iovec *v, size_t count, long vlen).</summary>
    private readonly delegate* unmanaged<int, IoVec*, nuint, nint, int> _vectors;

    private NativeDontNeed(nint library)
    {
        _each = (delegate* unmanaged<nint, nuint, int>)NativeLibrary.GetExport(library, "dontneed_each");
        _whole = (delegate* unmanaged<nint, nuint, int>)NativeLibrary.GetExport(library, "dontneed_whole");
        _vectors = (delegate* unmanaged<int, IoVec*, nuint, nint, int>)NativeLibrary.GetExport(library, "dontneed_vectors");
    }

    /// <summary>Loads the library named by <see cref="PathVariable"/>, or returns null with the reason.</summary>
    public static NativeDontNeed? Load(out string? reason)
    {
        var path = Environment.GetEnvironmentVariable(PathVariable);
        if (string.IsNullOrEmpty(path))
        {
            reason = $"{PathVariable} is not set (bench/native/compare.py builds the library and sets it)";
            return null;
        }

        reason = null;
        return new NativeDontNeed(NativeLibrary.Load(path));
    }

    /// <summary>madvise(DONTNEED) page by page, in C; 0 or an errno.</summary>
    public int Each(nint buffer, nuint size) => _each(buffer, size);

    /// <summary>One madvise(DONTNEED) over everything, in C; 0 or an errno.</summary>
    public int Whole(nint buffer, nuint size) => _whole(buffer, size);

    /// <summary>process_madvise(DONTNEED) in calls of <paramref name="vlen"/> ranges, in C; 0 or an errno.</summary>
    public int Vectors(int pidfd, IoVec[] ranges, int vlen)
    {
        fixed (IoVec* v = ranges)
        {
            return _vectors(pidfd, v, (nuint)ranges.Length, vlen);
        }
    }
}
