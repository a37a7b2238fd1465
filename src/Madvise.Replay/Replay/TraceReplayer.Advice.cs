using Madvise.Kernel.Syscalls;
using Madvise.Replay.Model;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Replay.Replay;

// madvise, process_madvise, pidfd_open; the batched vectors of the advisor.
public sealed partial class TraceReplayer
{
    /// <summary>The largest vector process_madvise reads.</summary>
    private readonly IoVec[] _vector = new IoVec[IoVec.UIO_MAXIOV];

    /// <summary>True for the advice values whose cost depends on the pages present (the replay touches the range first).</summary>
    internal static bool ZapsPages(long advice) => (MemoryAdvice)(int)advice is MADV_DONTNEED or MADV_DONTNEED_LOCKED or MADV_FREE or MADV_COLD or MADV_PAGEOUT;

    /// <summary>True for the advice values that populate memory (bounded by <see cref="ReplayOptions.MaxResidentBytes"/>).</summary>
    private static bool Populates(long advice) => (MemoryAdvice)(int)advice is MADV_POPULATE_READ or MADV_POPULATE_WRITE or MADV_COLLAPSE or MADV_WILLNEED;

    private void Madvise(ReplayProcess p, TraceEvent ev)
    {
        ulong addr = ev.Args[0], length = ev.Args[1];
        var advice = (long)ev.Args[2];
        if (Populates(advice) && !WithinMemoryBound(length))
        {
            p.Tally.NotJudged(Unjudged.MemoryBound);
            return;
        }

        var implicitMapped = LoggedSuccess(ev) && PageSize.IsAligned(addr) && MapHoles(p, addr, length);
        if (ZapsPages(advice) && LoggedSuccess(ev))
        {
            Touch(p, addr, length);
        }

        var ours = MeasuredMadvise(p, addr, length, advice);
        Judge(p, ev, ours, implicitMapped ? Unjudged.ImplicitMapping : null);
    }

    /// <summary>madvise(2) on <paramref name="p"/>, measured as one of its advice calls.</summary>
    internal long MeasuredMadvise(ReplayProcess p, ulong addr, ulong length, long advice)
    {
        var mm = p.Mm!;
        var m = new Measure(Kernel, mm, null);
        var ours = Sys.Madvise(p.Task, addr, length, advice);
        m.End(Kernel, mm, null, p.Tally, advice: true);
        return ours;
    }

    /// <summary>
    /// process_madvise. The pidfd must come from a traced pidfd_open (else: EBADF as logged, or
    /// not judged). A vector strace cut after 32 entries is judged only where the kernel rejects
    /// it before reading entries (flags, vlen above UIO_MAXIOV); otherwise its known entries run,
    /// unjudged.
    /// </summary>
    private void ProcessMadvise(ReplayProcess p, TraceEvent ev)
    {
        var a = ev.Args;
        var traced = (long)a[0];
        var vlen = a[2];
        var advice = (long)a[3];
        var flags = a[4];
        Unjudged? unjudged = null;
        long simFd;
        if (traced is PidfdConstants.PIDFD_SELF_THREAD or PidfdConstants.PIDFD_SELF_THREAD_GROUP)
        {
            simFd = traced;
        }
        else if (p.Pidfds.TryGetValue(traced, out var fd) && fd >= 0)
        {
            simFd = fd;
        }
        else if (!p.Pidfds.ContainsKey(traced) && ev.Result == ResultKind.Error && ev.Errno == Errno.EBADF)
        {
            simFd = ClosedFd;
        }
        else
        {
            p.Tally.NotJudged(Unjudged.Descriptor);
            return;
        }

        var entries = ev.Vector;
        var rejectedEarly = (uint)flags != 0 || (uint)vlen > IoVec.UIO_MAXIOV || (uint)vlen == 0;
        if (!ev.VectorComplete && !rejectedEarly)
        {
            unjudged = Unjudged.TruncatedVector;
            vlen = (ulong)Math.Min(entries.Count, IoVec.UIO_MAXIOV);
        }

        var count = (int)Math.Min((uint)vlen, (uint)Math.Min(entries.Count, IoVec.UIO_MAXIOV));
        if (rejectedEarly)
        {
            count = 0;
        }
        else if ((uint)vlen > (uint)count)
        {
            // Fewer entries printed than vlen without "...": an unreadable array.
            p.Tally.NotJudged(Unjudged.TruncatedVector);
            return;
        }

        ulong total = 0;
        for (var i = 0; i < count; i++)
        {
            _vector[i] = entries[i];
            total += entries[i].Len;
        }

        if (Populates(advice) && !WithinMemoryBound(total))
        {
            p.Tally.NotJudged(Unjudged.MemoryBound);
            return;
        }

        var target = TargetOf(p, simFd);
        if (target is not null && LoggedSuccess(ev) && ev.Value > 0)
        {
            for (var i = 0; i < count; i++)
            {
                if (PageSize.IsAligned(_vector[i].Base) && MapHoles(target, _vector[i].Base, _vector[i].Len))
                {
                    unjudged ??= Unjudged.ImplicitMapping;
                }
            }
        }

        if (target is not null && ZapsPages(advice) && LoggedSuccess(ev))
        {
            for (var i = 0; i < count; i++)
            {
                Touch(target, _vector[i].Base, _vector[i].Len);
            }
        }

        var ours = MeasuredVector(p, target, simFd, rejectedEarly ? (ulong)(uint)vlen : (ulong)count, advice, flags);
        Judge(p, ev, ours, unjudged);
    }

    /// <summary>process_madvise of the first entries of <see cref="_vector"/>, measured on the caller's and the target's address spaces.</summary>
    private long MeasuredVector(ReplayProcess p, ReplayProcess? target, long simFd, ulong vlen, long advice, ulong flags)
    {
        var mm = p.Mm!;
        var other = target?.Mm is { } t && t != mm ? t : null;
        var m = new Measure(Kernel, mm, other);
        var count = (int)Math.Min(vlen, IoVec.UIO_MAXIOV);
        var ours = Sys.ProcessMadvise(p.Task, simFd, _vector.AsSpan(0, vlen > IoVec.UIO_MAXIOV ? 0 : count), vlen, advice, flags);
        m.End(Kernel, mm, other, p.Tally, advice: true);
        return ours;
    }

    /// <summary>The process a simulated pidfd of <paramref name="p"/> refers to, if it is a traced one.</summary>
    private ReplayProcess? TargetOf(ReplayProcess p, long simFd)
    {
        if (simFd is PidfdConstants.PIDFD_SELF_THREAD or PidfdConstants.PIDFD_SELF_THREAD_GROUP)
        {
            return p;
        }

        if (p.Task.Files.Get(simFd) is not Kernel.Tasks.PidFile pidFile)
        {
            return null;
        }

        return _running.TryGetValue(pidFile.Task, out var target) && target.Mm is not null ? target : null;
    }

    /// <summary>
    /// pidfd_open. A traced pid stands for its simulated process; a pid the trace never showed is
    /// one the simulated kernel does not have (judged when the log says ESRCH; a success is a
    /// process the trace does not show: not judged, and its pidfd is remembered as unknown).
    /// Only success or failure is compared: descriptor numbers differ between the kernels.
    /// </summary>
    private void PidfdOpen(ReplayProcess p, TraceEvent ev)
    {
        var pid = (long)ev.Args[0];
        long simPid;
        if (pid > 0 && pid <= int.MaxValue && _threads.TryGetValue((int)pid, out var thread))
        {
            if (thread.Process.Pid != pid)
            {
                // A thread that is not a leader: its answer depends on PIDFD_THREAD and on
                // threads, which the simulated kernel keeps per process.
                p.Tally.NotJudged(Unjudged.NotSimulated);
                return;
            }

            simPid = thread.Process.Task.Pid;
        }
        else if (pid is > 0 and <= int.MaxValue && LoggedSuccess(ev))
        {
            p.Tally.NotJudged(Unjudged.Descriptor);
            p.Pidfds[ev.Value] = -1;
            return;
        }
        else
        {
            simPid = pid is > 0 and <= int.MaxValue ? AbsentPid : pid;
        }

        var ours = Sys.PidfdOpen(p.Task, simPid, ev.Args[1]);
        if (ours >= 0 && LoggedSuccess(ev))
        {
            p.Pidfds[ev.Value] = ours;
        }

        Judge(p, ev, ours, successOnly: true);
    }

    /// <summary>The process of a traced thread, or null before its first line.</summary>
    internal ReplayProcess? ProcessOf(int tid) => _threads.TryGetValue(tid, out var t) ? t.Process : null;

    /// <summary>
    /// For the batching advisor: takes a successful madvise() out of the replay to be issued
    /// later in a vector. Counts it, maps its implicit memory and touches its pages as
    /// <see cref="Madvise"/> would, and returns its process; null when the call must run as
    /// logged (its process is gone, its memory is sealed, or it populates memory).
    /// </summary>
    internal ReplayProcess? Hold(TraceEvent ev)
    {
        var p = ThreadOf(ev).Process;
        ulong addr = ev.Args[0], length = ev.Args[1];
        var advice = (long)ev.Args[2];
        if (p.Exited || p.Mm is null || Populates(advice) || (p.Sealed.Count > 0 && p.TouchesSealed(addr, length)))
        {
            return null;
        }

        p.Tally.Count(ev);
        if (PageSize.IsAligned(addr))
        {
            MapHoles(p, addr, length);
        }

        if (ZapsPages(advice))
        {
            Touch(p, addr, length);
        }

        return p;
    }

    /// <summary>For the batching advisor: process_madvise(PIDFD_SELF) of <paramref name="count"/> ranges from <paramref name="start"/>, measured as an advice call.</summary>
    internal long ExecuteVector(ReplayProcess p, List<IoVec> ranges, int start, int count, long advice)
    {
        for (var i = 0; i < count; i++)
        {
            _vector[i] = ranges[start + i];
        }

        return MeasuredVector(p, p, PidfdConstants.PIDFD_SELF_THREAD_GROUP, (ulong)count, advice, 0);
    }
}
