using Madvise.Host;

namespace Madvise.Scenarios.Host;

/// <summary>The system calls of this process, on the calling thread (<see cref="HostSyscalls"/>).</summary>
internal sealed class LocalSyscalls : ITaskSyscalls
{
    /// <summary>The one instance.</summary>
    public static readonly LocalSyscalls Instance = new();

    private LocalSyscalls()
    {
    }

    /// <inheritdoc/>
    public int Pid { get; } = HostSyscalls.GetPid();

    /// <inheritdoc/>
    public long Mmap(ulong addr, ulong length, int prot, int flags, int fd, ulong offset) => HostSyscalls.Mmap(addr, length, prot, flags, fd, offset);

    /// <inheritdoc/>
    public long Munmap(ulong addr, ulong length) => HostSyscalls.Munmap(addr, length);

    /// <inheritdoc/>
    public long Mprotect(ulong addr, ulong length, int prot) => HostSyscalls.Mprotect(addr, length, prot);

    /// <inheritdoc/>
    public long Mlock(ulong addr, ulong length) => HostSyscalls.Mlock(addr, length);

    /// <inheritdoc/>
    public long Munlock(ulong addr, ulong length) => HostSyscalls.Munlock(addr, length);

    /// <inheritdoc/>
    public long Madvise(ulong addr, ulong length, MemoryAdvice advice) => HostSyscalls.Madvise(addr, length, advice);

    /// <inheritdoc/>
    public long Mincore(ulong addr, ulong length, Span<byte> vec) => HostSyscalls.Mincore(addr, length, vec);

    /// <inheritdoc/>
    public long ProcessMadvise(long pidfd, ReadOnlySpan<IoVec> vector, ulong vlen, MemoryAdvice advice, ulong flags) =>
        HostSyscalls.ProcessMadvise(pidfd, vector, vlen, advice, flags);

    /// <inheritdoc/>
    public long ProcessMadvise(long pidfd, ulong iovecAddress, ulong vlen, MemoryAdvice advice, ulong flags) =>
        HostSyscalls.ProcessMadvise(pidfd, iovecAddress, vlen, advice, flags);

    /// <inheritdoc/>
    public long ReadMemory(ulong addr, Span<byte> into) => HostSyscalls.ProcessVmReadv(Pid, addr, into);

    /// <inheritdoc/>
    public long WriteMemory(ulong addr, ReadOnlySpan<byte> from) => HostSyscalls.ProcessVmWritev(Pid, addr, from);

    /// <inheritdoc/>
    public long PidfdOpen(int pid, uint flags) => HostSyscalls.PidfdOpen(pid, flags);

    /// <inheritdoc/>
    public long MemfdCreate(string name) => HostSyscalls.MemfdCreate(name);

    /// <inheritdoc/>
    public long CreateUnlinkedTempFile(string directory, string prefix) => HostSyscalls.CreateUnlinkedTempFile(directory, prefix);

    /// <inheritdoc/>
    public long WriteAll(int fd, ReadOnlySpan<byte> data) => HostSyscalls.WriteAll(fd, data);

    /// <inheritdoc/>
    public long Fsync(int fd) => HostSyscalls.Fsync(fd);

    /// <inheritdoc/>
    public long Close(int fd) => HostSyscalls.Close(fd);

    /// <inheritdoc/>
    public long GetThreadCapabilities(out ulong effective, out ulong permitted, out ulong inheritable) =>
        HostSyscalls.GetThreadCapabilities(out effective, out permitted, out inheritable);

    /// <inheritdoc/>
    public long SetThreadCapabilities(ulong effective, ulong permitted, ulong inheritable) =>
        HostSyscalls.SetThreadCapabilities(effective, permitted, inheritable);

    /// <inheritdoc/>
    public long ClearSupplementaryGroups() => HostSyscalls.ClearSupplementaryGroups();

    /// <inheritdoc/>
    public long SetResGid(uint rgid, uint egid, uint sgid) => HostSyscalls.SetResGid(rgid, egid, sgid);

    /// <inheritdoc/>
    public long SetResUid(uint ruid, uint euid, uint suid) => HostSyscalls.SetResUid(ruid, euid, suid);

    /// <inheritdoc/>
    public long ClearAmbientCapabilities() => HostSyscalls.ClearAmbientCapabilities();

    /// <inheritdoc/>
    public long LowerAmbientCapability(int capability) => HostSyscalls.LowerAmbientCapability(capability);

    /// <inheritdoc/>
    public string? ReadProcFile(string path)
    {
        try
        {
            return File.ReadAllText("/proc/" + path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public IEnumerable<ProcMapping> EnumerateMaps() => ProcMaps.EnumerateMaps();

    /// <inheritdoc/>
    public IEnumerable<ProcMapping> EnumerateSmaps() => ProcMaps.EnumerateSmaps();
}
