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
    public int Pid { get; } = HarnessSyscalls.GetPid();

    /// <inheritdoc/>
    public long Mmap(ulong addr, ulong length, int prot, int flags, int fd, ulong offset) => HarnessSyscalls.Mmap(addr, length, prot, flags, fd, offset);

    /// <inheritdoc/>
    public long Munmap(ulong addr, ulong length) => HarnessSyscalls.Munmap(addr, length);

    /// <inheritdoc/>
    public long Mprotect(ulong addr, ulong length, int prot) => HarnessSyscalls.Mprotect(addr, length, prot);

    /// <inheritdoc/>
    public long Mlock(ulong addr, ulong length) => HarnessSyscalls.Mlock(addr, length);

    /// <inheritdoc/>
    public long Munlock(ulong addr, ulong length) => HarnessSyscalls.Munlock(addr, length);

    /// <inheritdoc/>
    public long Madvise(ulong addr, ulong length, MemoryAdvice advice) => HarnessSyscalls.Madvise(addr, length, advice);

    /// <inheritdoc/>
    public long Mincore(ulong addr, ulong length, Span<byte> vec) => HarnessSyscalls.Mincore(addr, length, vec);

    /// <inheritdoc/>
    public long ProcessMadvise(long pidfd, ReadOnlySpan<IoVec> vector, ulong vlen, MemoryAdvice advice, ulong flags) =>
        HarnessSyscalls.ProcessMadvise(pidfd, vector, vlen, advice, flags);

    /// <inheritdoc/>
    public long ProcessMadvise(long pidfd, ulong iovecAddress, ulong vlen, MemoryAdvice advice, ulong flags) =>
        HarnessSyscalls.ProcessMadvise(pidfd, iovecAddress, vlen, advice, flags);

    /// <inheritdoc/>
    public long ReadMemory(ulong addr, Span<byte> into) => HarnessSyscalls.ProcessVmReadv(Pid, addr, into);

    /// <inheritdoc/>
    public long WriteMemory(ulong addr, ReadOnlySpan<byte> from) => HarnessSyscalls.ProcessVmWritev(Pid, addr, from);

    /// <inheritdoc/>
    public long PidfdOpen(int pid, uint flags) => HarnessSyscalls.PidfdOpen(pid, flags);

    /// <inheritdoc/>
    public long MemfdCreate(string name) => HarnessSyscalls.MemfdCreate(name);

    /// <inheritdoc/>
    public long CreateUnlinkedTempFile(string directory, string prefix) => HarnessSyscalls.CreateUnlinkedTempFile(directory, prefix);

    /// <inheritdoc/>
    public long WriteAll(int fd, ReadOnlySpan<byte> data) => HarnessSyscalls.WriteAll(fd, data);

    /// <inheritdoc/>
    public long Fsync(int fd) => HarnessSyscalls.Fsync(fd);

    /// <inheritdoc/>
    public long Close(int fd) => HarnessSyscalls.Close(fd);

    /// <inheritdoc/>
    public long GetThreadCapabilities(out ulong effective, out ulong permitted, out ulong inheritable) =>
        HarnessSyscalls.GetThreadCapabilities(out effective, out permitted, out inheritable);

    /// <inheritdoc/>
    public long SetThreadCapabilities(ulong effective, ulong permitted, ulong inheritable) =>
        HarnessSyscalls.SetThreadCapabilities(effective, permitted, inheritable);

    /// <inheritdoc/>
    public long ClearSupplementaryGroups() => HarnessSyscalls.ClearSupplementaryGroups();

    /// <inheritdoc/>
    public long SetResGid(uint rgid, uint egid, uint sgid) => HarnessSyscalls.SetResGid(rgid, egid, sgid);

    /// <inheritdoc/>
    public long SetResUid(uint ruid, uint euid, uint suid) => HarnessSyscalls.SetResUid(ruid, euid, suid);

    /// <inheritdoc/>
    public long ClearAmbientCapabilities() => HarnessSyscalls.ClearAmbientCapabilities();

    /// <inheritdoc/>
    public long LowerAmbientCapability(int capability) => HarnessSyscalls.LowerAmbientCapability(capability);

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
