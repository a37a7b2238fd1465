using Madvise.Host;

namespace Madvise.Scenarios.Host;

/// <summary>
/// The system calls a <see cref="TaskExecutor"/> makes, run in the process of the task whose
/// steps it executes: this process (<see cref="LocalSyscalls"/>: task <c>self</c>, or an agent
/// serving its own task) or a forked child that cannot run .NET code
/// (<see cref="ForkServer"/>).
/// </summary>
/// <remarks>
/// Every call returns a value or a negative errno, as <see cref="HostSyscalls"/> does, and acts
/// with the credentials, descriptors and address space of that process. Memory arguments are
/// this process's buffers; an implementation that runs the call elsewhere copies them there
/// and back.
/// </remarks>
internal interface ITaskSyscalls
{
    /// <summary>The pid of the process the calls run in.</summary>
    int Pid { get; }

    /// <summary>mmap(2); the address or a negative errno.</summary>
    long Mmap(ulong addr, ulong length, int prot, int flags, int fd, ulong offset);

    /// <summary>munmap(2).</summary>
    long Munmap(ulong addr, ulong length);

    /// <summary>mprotect(2).</summary>
    long Mprotect(ulong addr, ulong length, int prot);

    /// <summary>mlock(2).</summary>
    long Mlock(ulong addr, ulong length);

    /// <summary>munlock(2).</summary>
    long Munlock(ulong addr, ulong length);

    /// <summary>madvise(2).</summary>
    long Madvise(ulong addr, ulong length, MemoryAdvice advice);

    /// <summary>mincore(2) into <paramref name="vec"/> (at least one byte per page of the range).</summary>
    long Mincore(ulong addr, ulong length, Span<byte> vec);

    /// <summary>process_madvise(2) with <paramref name="vector"/> as the iovec array (NULL when empty) and vlen <paramref name="vlen"/>.</summary>
    long ProcessMadvise(long pidfd, ReadOnlySpan<IoVec> vector, ulong vlen, MemoryAdvice advice, ulong flags);

    /// <summary>process_madvise(2) with an iovec array at <paramref name="iovecAddress"/> of the task's process.</summary>
    long ProcessMadvise(long pidfd, ulong iovecAddress, ulong vlen, MemoryAdvice advice, ulong flags);

    /// <summary>process_vm_readv(2) of the task's own memory into <paramref name="into"/>: bytes copied (short on a fault) or a negative errno.</summary>
    long ReadMemory(ulong addr, Span<byte> into);

    /// <summary>process_vm_writev(2) of <paramref name="from"/> into the task's own memory: bytes copied (short on a fault) or a negative errno.</summary>
    long WriteMemory(ulong addr, ReadOnlySpan<byte> from);

    /// <summary>pidfd_open(2).</summary>
    long PidfdOpen(int pid, uint flags);

    /// <summary>memfd_create(2) with MFD_CLOEXEC.</summary>
    long MemfdCreate(string name);

    /// <summary>A new regular file <c>DIRECTORY/PREFIXxxxxxx</c> (O_RDWR, mode 0600), unlinked at once; the descriptor or a negative errno.</summary>
    long CreateUnlinkedTempFile(string directory, string prefix);

    /// <summary>write(2) of all of <paramref name="data"/>; 0 or a negative errno.</summary>
    long WriteAll(int fd, ReadOnlySpan<byte> data);

    /// <summary>fsync(2).</summary>
    long Fsync(int fd);

    /// <summary>close(2).</summary>
    long Close(int fd);

    /// <summary>The calling thread's effective, permitted and inheritable capability sets.</summary>
    long GetThreadCapabilities(out ulong effective, out ulong permitted, out ulong inheritable);

    /// <summary>Sets the calling thread's capability sets.</summary>
    long SetThreadCapabilities(ulong effective, ulong permitted, ulong inheritable);

    /// <summary>setgroups(2) with an empty list.</summary>
    long ClearSupplementaryGroups();

    /// <summary>setresgid(2).</summary>
    long SetResGid(uint rgid, uint egid, uint sgid);

    /// <summary>setresuid(2).</summary>
    long SetResUid(uint ruid, uint euid, uint suid);

    /// <summary>prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL).</summary>
    long ClearAmbientCapabilities();

    /// <summary>prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, <paramref name="capability"/>).</summary>
    long LowerAmbientCapability(int capability);

    /// <summary>
    /// The text of <c>/proc/PATH</c> as the task's process reads it (<c>self/fdinfo/3</c>,
    /// <c>thread-self/status</c>), or null when it cannot be read.
    /// </summary>
    string? ReadProcFile(string path);

    /// <summary>The task's /proc/self/maps, in address order (lazily where the process is this one).</summary>
    IEnumerable<ProcMapping> EnumerateMaps();

    /// <summary>The task's /proc/self/smaps with VmFlags and counters, in address order.</summary>
    IEnumerable<ProcMapping> EnumerateSmaps();
}
