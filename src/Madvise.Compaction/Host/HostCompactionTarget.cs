using System.Globalization;
using Madvise.Compaction.Engine;
using Madvise.Host;

namespace Madvise.Compaction.Host;

/// <summary>
/// A process of the running kernel, named by a pidfd opened once (immune to pid reuse): its
/// /proc/PID/maps and smaps_rollup, process_madvise() on it.
/// </summary>
public sealed class HostCompactionTarget : ICompactionTarget
{
    /// <summary>The pidfd.</summary>
    private readonly SafePidfdHandle _pidfd;

    /// <summary>Opens a pidfd of <paramref name="pid"/>.</summary>
    /// <exception cref="CompactionException">No such process, a kernel thread or an exited one (ESRCH), or pidfd_open is missing (ENOSYS) or refused.</exception>
    public HostCompactionTarget(int pid)
    {
        if (pid <= 0)
        {
            throw new CompactionException(Errno.ESRCH, $"pid {pid} is not a process id.");
        }

        Pid = pid;
        if (!SafePidfdHandle.TryOpen(pid, 0, out var pidfd, out var errno))
        {
            throw new CompactionException(errno, errno switch
            {
                Errno.ESRCH => $"pid {pid}: no such process.",
                Errno.ENOSYS => "pidfd_open: ENOSYS — this kernel has no pidfd_open (Linux < 5.3) and so no process_madvise either.",
                _ => $"pidfd_open({pid}): {Errno.Name(errno)}.",
            });
        }

        Description = string.Create(CultureInfo.InvariantCulture, $"pid {pid} ({ReadComm(pid)})");
        if (HostTaskStat.TryRead(pid, out var stat) && (stat.IsKernelThread || stat.IsZombie))
        {
            pidfd.Dispose();
            throw new CompactionException(Errno.ESRCH, stat.IsKernelThread
                ? $"{Description} is a kernel thread: it has no user memory to compact (process_madvise answers ESRCH)."
                : $"{Description} has exited (a zombie its parent has not reaped yet): its memory is gone, there is nothing to compact.");
        }

        _pidfd = pidfd;
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public int Pid { get; }

    /// <inheritdoc/>
    public ulong UserAddressLimit => HostKernel.UserAddressLimit;

    /// <inheritdoc/>
    public IReadOnlyList<TargetMapping> ReadMappings()
    {
        try
        {
            var list = new List<TargetMapping>();
            foreach (var m in ProcMaps.EnumerateMaps(Pid))
            {
                list.Add(TargetMapping.FromPerms(m.Start, m.End, m.Perms, m.Inode, m.Path));
            }

            return list;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CompactionException(Errno.ESRCH, FailureExplanation.ForMaps(Errno.ESRCH, Description));
        }
        catch (UnauthorizedAccessException)
        {
            throw new CompactionException(Errno.EACCES, FailureExplanation.ForMaps(Errno.EACCES, Pid.ToString(CultureInfo.InvariantCulture)));
        }
        catch (IOException)
        {
            // A process that exits while its maps are read answers ESRCH to read(2).
            throw new CompactionException(Errno.ESRCH, FailureExplanation.ForMaps(Errno.ESRCH, Description));
        }
    }

    /// <inheritdoc/>
    public MemoryRollup? ReadRollup() =>
        SmapsRollup.TryRead(Pid, out var r, out _) ? new MemoryRollup(r.Rss, r.Anonymous, r.Swap, r.Locked) : null;

    /// <inheritdoc/>
    public SwapState ReadSwap() => HostSwap.Read();

    /// <inheritdoc/>
    public long ProcessMadvise(ReadOnlySpan<IoVec> vector, MemoryAdvice advice) =>
        HostMemory.TryProcessMadvise(_pidfd, vector, advice, 0, out var advised, out var errno) ? advised : -errno;

    /// <inheritdoc/>
    public void Dispose() => _pidfd.Dispose();

    /// <summary>The command name (/proc/PID/comm), or <c>?</c>.</summary>
    private static string ReadComm(int pid)
    {
        try
        {
            return File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/comm").Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }
}
