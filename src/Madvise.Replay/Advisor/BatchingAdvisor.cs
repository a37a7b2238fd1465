using Madvise.Replay.Model;
using Madvise.Replay.Replay;

namespace Madvise.Replay.Advisor;

/// <summary>
/// Replays a trace rewritten to batch its madvise() calls: a run of successful calls by one
/// thread with one advice value, each within <see cref="WindowMicros"/> of the previous one (by
/// the log's timestamps), with no change of the process's address space in between (by any of
/// its threads: mmap, munmap, mprotect, brk, mremap, mlock, fork, execve, exit, ...), is issued
/// as process_madvise(PIDFD_SELF, vector) when the run ends, in vectors of at most UIO_MAXIOV
/// ranges and MAX_RW_COUNT bytes. Everything else is replayed as logged. The series' effect on
/// a program is the difference between this replay and the original's, profile by profile.
/// </summary>
public sealed class BatchingAdvisor
{
    /// <summary>The default window: calls further apart than 1 ms are not batched.</summary>
    public const long DefaultWindowMicros = 1000;

    private readonly TraceReplayer _replayer;

    /// <summary>The open run of each thread.</summary>
    private readonly Dictionary<int, Run> _runs = [];

    /// <summary>Released runs, reused.</summary>
    private readonly Stack<Run> _free = [];

    /// <summary>Statistics per program.</summary>
    private readonly Dictionary<ProgramTally, AdvisorStatistics> _statistics = [];

    private readonly List<Run> _flushing = [];

    /// <summary>Creates an advisor that feeds <paramref name="replayer"/>.</summary>
    public BatchingAdvisor(TraceReplayer replayer, long windowMicros = DefaultWindowMicros)
    {
        _replayer = replayer;
        WindowMicros = windowMicros;
    }

    /// <summary>The largest gap between two calls of a run, in microseconds (ignored for a log without timestamps).</summary>
    public long WindowMicros { get; }

    /// <summary>What was found, by program.</summary>
    public IReadOnlyDictionary<ProgramTally, AdvisorStatistics> Statistics => _statistics;

    /// <summary>Replays one event of the rewritten program.</summary>
    public void Apply(TraceEvent ev)
    {
        switch (ev.Kind)
        {
            case TraceEventKind.Call when ev.Syscall == SyscallKind.Madvise && ev.Result == ResultKind.Value && ev.Value == 0 && ev.ArgCount == 3:
                if (TryHold(ev))
                {
                    return;
                }

                break;
            case TraceEventKind.Call or TraceEventKind.CallStarted:
                if (ev.Kind == TraceEventKind.CallStarted && ev.Syscall == SyscallKind.Madvise)
                {
                    break;
                }

                FlushThread(ev.Tid);
                if (ChangesAddressSpace(ev.Syscall) && _replayer.ProcessOf(ev.Tid) is { } p)
                {
                    FlushProcess(p);
                }

                break;
            case TraceEventKind.Exited or TraceEventKind.Superseded:
                FlushThread(ev.Tid);
                FlushThread(ev.Number);
                break;
            case TraceEventKind.Killed:
                if (_replayer.ProcessOf(ev.Tid) is { } killed)
                {
                    FlushProcess(killed);
                }

                break;
        }

        _replayer.Apply(ev);
    }

    /// <summary>Issues every open run (the end of the trace).</summary>
    public void Finish()
    {
        _flushing.AddRange(_runs.Values);
        foreach (var run in _flushing)
        {
            Flush(run);
        }

        _flushing.Clear();
    }

    private bool TryHold(TraceEvent ev)
    {
        var advice = (long)(int)ev.Args[2];
        var time = ev.TimeMicros;
        if (_runs.TryGetValue(ev.Tid, out var run)
            && (run.Advice != advice || (time >= 0 && run.LastTime >= 0 && time - run.LastTime > WindowMicros) || run.Process.Mm is null))
        {
            Flush(run);
            run = null;
        }

        var p = _replayer.Hold(ev);
        if (p is null)
        {
            if (run is not null)
            {
                Flush(run);
            }

            return false;
        }

        if (run is null)
        {
            run = _free.Count > 0 ? _free.Pop() : new Run();
            run.Start(ev.Tid, p, advice);
            _runs[ev.Tid] = run;
        }

        run.Ranges.Add(new IoVec(ev.Args[0], ev.Args[1]));
        run.LastTime = time;
        return true;
    }

    private void FlushThread(int tid)
    {
        if (_runs.TryGetValue(tid, out var run))
        {
            Flush(run);
        }
    }

    private void FlushProcess(ReplayProcess p)
    {
        foreach (var run in _runs.Values)
        {
            if (run.Process == p)
            {
                _flushing.Add(run);
            }
        }

        foreach (var run in _flushing)
        {
            Flush(run);
        }

        _flushing.Clear();
    }

    /// <summary>Issues a run: one madvise() for a single call, else vectors of at most UIO_MAXIOV ranges and MAX_RW_COUNT bytes.</summary>
    private void Flush(Run run)
    {
        _runs.Remove(run.Tid);
        var p = run.Process;
        if (!_statistics.TryGetValue(p.Tally, out var stats))
        {
            stats = new AdvisorStatistics();
            _statistics[p.Tally] = stats;
        }

        var ranges = run.Ranges;
        if (p.Mm is not null)
        {
            if (ranges.Count == 1)
            {
                _replayer.MeasuredMadvise(p, ranges[0].Base, ranges[0].Len, run.Advice);
                stats.AddRun(run.Advice, 1, 0);
            }
            else
            {
                var vectors = 0;
                var start = 0;
                while (start < ranges.Count)
                {
                    var end = start;
                    ulong bytes = 0;
                    while (end < ranges.Count && end - start < IoVec.UIO_MAXIOV && (end == start || bytes + ranges[end].Len <= IoVec.MAX_RW_COUNT))
                    {
                        bytes += ranges[end].Len;
                        end++;
                    }

                    var done = _replayer.ExecuteVector(p, ranges, start, end - start, run.Advice);
                    if (done != (long)bytes)
                    {
                        stats.AddShortVector();
                    }

                    vectors++;
                    start = end;
                }

                stats.AddRun(run.Advice, ranges.Count, vectors);
            }
        }

        ranges.Clear();
        _free.Push(run);
    }

    /// <summary>Calls that change the address space (or copy or replace it): a run of another thread must not be moved across them.</summary>
    private static bool ChangesAddressSpace(SyscallKind call) => call is SyscallKind.Mmap or SyscallKind.Munmap or SyscallKind.Mprotect
        or SyscallKind.PkeyMprotect or SyscallKind.Brk or SyscallKind.Mremap or SyscallKind.Shmat or SyscallKind.Shmdt
        or SyscallKind.IoSetup or SyscallKind.IoDestroy or SyscallKind.RemapFilePages or SyscallKind.Mseal or SyscallKind.MapShadowStack
        or SyscallKind.Mlock or SyscallKind.Mlock2 or SyscallKind.Munlock or SyscallKind.Mlockall or SyscallKind.Munlockall
        or SyscallKind.Clone or SyscallKind.Clone3 or SyscallKind.Fork or SyscallKind.Vfork
        or SyscallKind.Execve or SyscallKind.Execveat or SyscallKind.ExitGroup;

    /// <summary>An open run: one thread's consecutive calls with one advice value.</summary>
    private sealed class Run
    {
        public int Tid { get; private set; }

        public ReplayProcess Process { get; private set; } = null!;

        public long Advice { get; private set; }

        public long LastTime { get; set; }

        public List<IoVec> Ranges { get; } = [];

        public void Start(int tid, ReplayProcess process, long advice)
        {
            Tid = tid;
            Process = process;
            Advice = advice;
        }
    }
}
