using System.Diagnostics;
using System.Runtime.InteropServices;
using Madvise.Abi;

namespace Madvise.Bench.Host;

/// <summary>
/// The DONTNEED loops of <c>bench/native/dontneed.c</c>, built as a shared library, called in
/// this process: one native call runs a whole pass, so the C side of the comparison runs with
/// this process's threads and address space and at the same moments as the .NET side.
/// </summary>
/// <remarks>
/// The library's path comes from the <c>MADV_DONTNEED_LIB</c> environment variable
/// (<c>bench/native/compare.py</c> builds it and sets it); without it the library is built with
/// gcc on first use.
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

    /// <summary>
    /// Loads the library named by <see cref="PathVariable"/>; without it, builds one with gcc from
    /// <c>bench/native/dontneed.c</c>, found by walking up from the bench binary. Null with the
    /// reason when neither works.
    /// </summary>
    public static NativeDontNeed? Load(out string? reason)
    {
        var path = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(path))
        {
            reason = null;
            return new NativeDontNeed(NativeLibrary.Load(path));
        }

        if ((path = Build(out reason)) is null)
        {
            return null;
        }

        // A loaded library stays mapped after its file is gone: leave no temporary files behind.
        var loaded = new NativeDontNeed(NativeLibrary.Load(path));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        return loaded;
    }

    /// <summary>gcc -O2 -shared of dontneed.c into a temporary directory; the library's path, or null.</summary>
    private static string? Build(out string? reason)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "bench", "native", "dontneed.c")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            reason = $"{PathVariable} is not set and bench/native/dontneed.c is not above {AppContext.BaseDirectory}";
            return null;
        }

        var output = Path.Combine(Directory.CreateTempSubdirectory("madv-dontneed-").FullName, "libdontneed.so");
        var gcc = new ProcessStartInfo("gcc") { RedirectStandardError = true };
        foreach (var arg in new[] { "-O2", "-shared", "-fPIC", "-DDONTNEED_LIBRARY", "-o", output, Path.Combine(dir.FullName, "bench", "native", "dontneed.c") })
        {
            gcc.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(gcc)!;
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            reason = process.ExitCode == 0 ? null : $"gcc failed: {errors}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            reason = $"gcc not found: {e.Message}";
        }

        return reason is null ? output : null;
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
