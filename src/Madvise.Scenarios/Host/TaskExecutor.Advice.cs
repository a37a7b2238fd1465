using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Scenarios.Host;

internal sealed partial class TaskExecutor
{
    /// <summary>pidfd_open of this process, opened on the first <c>pmadvise self</c>; -1 before.</summary>
    private int _selfPidfd = -1;

    /// <summary>
    /// process_madvise(2) with the iovec array built in this process's memory: <c>[]</c> is a
    /// NULL pointer with vlen 0, <c>seq</c> builds at most <see cref="MaxBuiltIovecs"/> entries
    /// but passes COUNT as vlen, <c>badptr</c> passes a page that was mapped and unmapped.
    /// </summary>
    public long ProcessMadvise(PidfdArgument<int> pidfd, VectorArgument<ulong> vector, MemoryAdvice advice, ulong flags)
    {
        long fd;
        switch (pidfd)
        {
            case PidfdArgument<int>.Self:
                if (_selfPidfd < 0)
                {
                    var r = _sys.PidfdOpen(_pid, 0);
                    if (r < 0)
                    {
                        return r;
                    }

                    _selfPidfd = (int)r;
                }

                fd = _selfPidfd;
                break;
            case PidfdArgument<int>.Named named:
                if (!TryGetDescriptor(named.Pidfd, out var held))
                {
                    return -Errno.EBADF;
                }

                fd = held;
                break;
            case PidfdArgument<int>.Raw raw:
                fd = raw.Fd;
                break;
            default:
                throw new ArgumentException($"Unknown pidfd {pidfd}.", nameof(pidfd));
        }

        ReadOnlySpan<IoVec> entries;
        ulong vlen;
        ulong badPointer = 0;
        switch (vector)
        {
            case VectorArgument<ulong>.List list:
                entries = BuildList(list.Entries);
                vlen = (ulong)entries.Length;
                break;
            case VectorArgument<ulong>.Seq seq:
                entries = BuildSeq(seq);
                vlen = seq.Count;
                break;
            case VectorArgument<ulong>.BadPointer bad:
                var page = MapAndUnmapPage();
                if (page < 0)
                {
                    return page;
                }

                badPointer = (ulong)page;
                entries = [];
                vlen = bad.Count;
                break;
            default:
                throw new ArgumentException($"Unknown vector {vector}.", nameof(vector));
        }

        if ((pidfd is PidfdArgument<int>.Self || TargetsThisProcess(fd)) && Refuse(_guard.CheckProcessMadviseSelf(entries, vlen, advice, flags)))
        {
            return TargetResult.NotSupported;
        }

        LastRefusal = null;
        return badPointer != 0
            ? _sys.ProcessMadvise(fd, badPointer, vlen, advice, flags)
            : _sys.ProcessMadvise(fd, entries, vlen, advice, flags);
    }

    /// <summary>
    /// True when process_madvise with <paramref name="fd"/> would act on this process: the
    /// PIDFD_SELF sentinels (the kernel reads the value as an int) or a pidfd naming this pid.
    /// </summary>
    private bool TargetsThisProcess(long fd)
    {
        var asInt = unchecked((int)fd);
        return asInt is PidfdConstants.PIDFD_SELF_THREAD or PidfdConstants.PIDFD_SELF_THREAD_GROUP ||
            (asInt >= 0 && HarnessSyscalls.FdinfoPid(_sys.ReadProcFile("self/fdinfo/" + asInt.ToString(System.Globalization.CultureInfo.InvariantCulture))) == _pid);
    }

    private ReadOnlySpan<IoVec> BuildList(IReadOnlyList<(ulong Base, ulong Length)> list)
    {
        var entries = list.Count <= MaxBuiltIovecs ? (_iovecs ??= new IoVec[MaxBuiltIovecs]) : new IoVec[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            entries[i] = new IoVec(list[i].Base, list[i].Length);
        }

        return entries.AsSpan(0, list.Count);
    }

    private ReadOnlySpan<IoVec> BuildSeq(VectorArgument<ulong>.Seq seq)
    {
        var n = (int)Math.Min(seq.Count, MaxBuiltIovecs);
        var entries = _iovecs ??= new IoVec[MaxBuiltIovecs];
        for (var i = 0; i < n; i++)
        {
            entries[i] = new IoVec(unchecked(seq.Start + ((ulong)i * seq.Stride)), seq.Length);
        }

        return entries.AsSpan(0, n);
    }

    /// <summary>
    /// The address of a page that was mapped and then unmapped (spec rule 8, <c>badptr</c>), or a
    /// negative errno. The page is placed in the arena, not where the kernel would put it: there,
    /// the runtime's next unhinted mmap (it maps and unmaps pages all the time, e.g. for the JIT's
    /// W^X double mapping) took the page again before process_madvise read it, and the kernel read
    /// an iovec out of the runtime's memory: -EINVAL (a garbage length) instead of -EFAULT, found
    /// by the random differential tests. Nothing but the scenario maps in the arena.
    /// The page is shared anonymous memory, which merges with no neighbour: the arena may place it
    /// in a hole of the scenario's own mappings, and a private page there merged with both sides
    /// and, unmapped, split them again with the merged flags (a neighbour's VM_MAYBE_GUARD spread
    /// to the other side), also found by the random differential tests.
    /// </summary>
    internal long MapAndUnmapPage()
    {
        var page = MmapInArena(PageSize.PAGE_SIZE, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_SHARED | MapFlags.MAP_ANONYMOUS, -1, 0);
        if (page >= 0)
        {
            _sys.Munmap((ulong)page, PageSize.PAGE_SIZE);
        }

        return page;
    }
}
