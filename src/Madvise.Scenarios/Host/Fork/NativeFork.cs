using System.Runtime.InteropServices;

namespace Madvise.Scenarios.Host;

/// <summary>
/// The fork server library, <c>libmadv-fork.so</c> (<c>Host/Fork/madv-fork.c</c>, built with the
/// C compiler at build time and copied next to the assemblies): forks the calling .NET process
/// so that the child runs only that library's code.
/// </summary>
/// <remarks>
/// <para>
/// Why a native child: after fork(2) only the forking thread exists in the child, while the
/// runtime's data still describes every thread of the parent. A child that went on running
/// managed code could wait forever for a GC suspension begun by a thread that is not there (a
/// return address hijacked for that suspension is copied too), take a lock another thread held
/// at the fork, allocate and trigger a GC that tries to suspend threads that do not exist,
/// call a method whose tier-up queues work for the missing tiering thread, or receive a
/// signal whose handler needs the runtime. The library avoids all of it: the child never
/// returns from the native call into managed code, runs no C library code (raw system calls,
/// no allocation, no locks), resets every signal handler before unblocking signals, and
/// serves system-call requests on a socket (<see cref="ForkServer"/>). The C# side decides
/// every call, so the scenario semantics of a forked task are those of any other task.
/// </para>
/// <para>
/// Without the library (no C compiler when madv was built, or another architecture than
/// x86-64) <see cref="Unavailable"/> says so, and fork steps print SKIP on the host target.
/// </para>
/// </remarks>
internal static unsafe class NativeFork
{
    /// <summary>The library's file name.</summary>
    internal const string LibraryName = "libmadv-fork.so";

    /// <summary>The exported entry point: <c>i64 madv_fork_serve(i32 sock, const i32 *keep, i32 nkeep, i32 clone_parent)</c>.</summary>
    private const string EntryPoint = "madv_fork_serve";

    /// <summary>The most descriptors a fork keeps (MAX_KEEP in madv-fork.c).</summary>
    internal const int MaxKeep = 1024;

    /// <summary>The entry point, or the reason it cannot be had; loaded once per process.</summary>
    private static readonly Lazy<(nint Entry, string? Why)> s_entry = new(Load);

    /// <summary>Null when forks can be made, else why not (a <c>SKIP(fork: ...)</c> result says it).</summary>
    public static string? Unavailable => s_entry.Value.Why;

    /// <summary>
    /// Forks the calling process. The child keeps only <paramref name="socket"/> and
    /// <paramref name="keep"/> of its descriptors (at the same numbers) and serves the fork server
    /// protocol on the socket; with <paramref name="cloneParent"/> its parent is the caller's
    /// parent (CLONE_PARENT) instead of the caller.
    /// </summary>
    /// <returns>The child's pid, or a negative errno.</returns>
    /// <exception cref="InvalidOperationException">The library is not available (<see cref="Unavailable"/>).</exception>
    public static long Fork(int socket, ReadOnlySpan<int> keep, bool cloneParent)
    {
        var (entry, why) = s_entry.Value;
        if (why is not null)
        {
            throw new InvalidOperationException(why);
        }

        if (keep.Length > MaxKeep)
        {
            return -Errno.EMFILE;
        }

        var serve = (delegate* unmanaged<int, int*, int, int, long>)entry;
        fixed (int* k = keep)
        {
            return serve(socket, k, keep.Length, cloneParent ? 1 : 0);
        }
    }

    /// <summary>Loads the library from the application's folder or this assembly's.</summary>
    private static (nint, string?) Load()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return (0, $"{LibraryName} supports Linux x86-64 only");
        }

        var folders = new List<string> { AppContext.BaseDirectory };
        var own = Path.GetDirectoryName(typeof(NativeFork).Assembly.Location);
        if (!string.IsNullOrEmpty(own))
        {
            folders.Add(own);
        }

        foreach (var folder in folders)
        {
            var path = Path.Combine(folder, LibraryName);
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle))
            {
                return NativeLibrary.TryGetExport(handle, EntryPoint, out var entry)
                    ? (entry, null)
                    : (0, $"{path} has no {EntryPoint}");
            }
        }

        return (0, $"no {LibraryName} next to {AppContext.BaseDirectory} (it is built where a C compiler is)");
    }
}
