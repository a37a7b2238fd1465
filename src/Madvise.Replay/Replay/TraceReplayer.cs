using System.Diagnostics;
using System.Globalization;
using Madvise.Kernel;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Tasks;
using Madvise.Replay.Model;

namespace Madvise.Replay.Replay;

/// <summary>
/// Replays a trace's events, in log order, on one simulated kernel: one simulated process per
/// traced process (threads share it; fork copies it; execve replaces it), each memory call run
/// through the kernel's system call entry points with the logged arguments, its result compared
/// with the logged one, and its costs measured.
/// </summary>
/// <remarks>
/// <para>A call is run when its result is known (on its complete or resumed line): an mmap
/// whose address the kernel chose is run with MAP_FIXED_NOREPLACE at the logged address, so
/// that later calls find their memory where the program found it.</para>
/// <para>Not thread-safe: one thread feeds it.</para>
/// </remarks>
public sealed partial class TraceReplayer : IDisposable
{
    /// <summary>A pid no simulated process has, for pidfd_open of a process the trace does not show.</summary>
    private const long AbsentPid = 0x3fff_ffff;

    /// <summary>A descriptor number no simulated task has open, for calls the log shows failing with EBADF.</summary>
    private const long ClosedFd = int.MaxValue - 1;

    private readonly ReplayOptions _options;

    /// <summary>Traced tid → thread.</summary>
    private readonly Dictionary<int, ReplayThread> _threads = [];

    /// <summary>Program name → its counters.</summary>
    private readonly Dictionary<string, ProgramTally> _programs = new(StringComparer.Ordinal);

    /// <summary>Running processes by their simulated task (an exited one leaves, so that a log of many short-lived processes keeps nothing of them here).</summary>
    private readonly Dictionary<TaskStruct, ReplayProcess> _running = [];

    /// <summary>Threads with a clone, clone3, fork or vfork in progress: its flags, and the child once its first line was seen.</summary>
    private readonly Dictionary<int, (ulong Flags, int Child, long Line)> _pendingClones = [];

    /// <summary>munmap calls in progress (unfinished lines) by thread: a concurrent mmap may need their effect before they complete.</summary>
    private readonly Dictionary<int, (ulong Addr, ulong Length)> _pendingUnmaps = [];

    /// <summary>Results of munmap calls run before their completion line (see <see cref="RunPendingUnmaps"/>).</summary>
    private readonly Dictionary<int, long> _earlyResults = [];

    /// <summary>Files of -y paths and of the maps file, shared by every process.</summary>
    private readonly Dictionary<string, OpenFile> _filesByPath = new(StringComparer.Ordinal);

    /// <summary>A task that holds every simulated file open, so that a file outlives the mappings and descriptors of the traced processes.</summary>
    private readonly TaskStruct _fileHolder;

    /// <summary>The residency vector of mincore.</summary>
    private byte[] _mincoreVector = new byte[64];

    /// <summary>The first process: a thread the trace shows without a clone joins it (an attach: strace saw the threads already running).</summary>
    private ReplayProcess? _initial;

    /// <summary>The maps file waits for the first process's address space.</summary>
    private bool _seedPending;

    /// <summary>Creates a replayer on a new simulated kernel with <paramref name="options"/>.</summary>
    public TraceReplayer(ReplayOptions options)
    {
        _options = options;
        Kernel = new SimulatedKernel(KernelConfig.Default with { Profile = options.Profile, MemoryBytes = options.MemoryBytes }, options.Chunks);
        _fileHolder = Kernel.CreateProcess();
        _seedPending = options.Maps is { Count: > 0 };
    }

    /// <summary>The simulated kernel.</summary>
    public SimulatedKernel Kernel { get; }

    /// <summary>Every program seen, in order of appearance.</summary>
    public IReadOnlyList<ProgramTally> Programs => [.. _programs.Values];

    /// <summary>Processes the trace showed.</summary>
    public int ProcessCount { get; private set; }

    /// <summary>Processes still running (at the end of the trace: those whose exit it does not show).</summary>
    public int RunningProcessCount => _running.Count;

    /// <summary>Events of threads of processes that had already exited (late lines of a dying process).</summary>
    public long LateEvents { get; private set; }

    /// <summary>Replays one event.</summary>
    public void Apply(TraceEvent ev)
    {
        switch (ev.Kind)
        {
            case TraceEventKind.Call:
                ApplyCall(ev);
                break;
            case TraceEventKind.CallStarted:
                ThreadOf(ev);
                if (ev.Syscall is SyscallKind.Clone or SyscallKind.Clone3 or SyscallKind.Fork or SyscallKind.Vfork && ev.ArgCount >= 1)
                {
                    _pendingClones[ev.Tid] = (ev.Args[0], 0, ev.Line);
                }
                else if (ev.Syscall == SyscallKind.Munmap && ev.ArgCount == 2)
                {
                    _pendingUnmaps[ev.Tid] = (ev.Args[0], ev.Args[1]);
                }

                break;
            case TraceEventKind.Exited:
                ThreadExited(ev.Tid);
                break;
            case TraceEventKind.Killed:
                if (_threads.TryGetValue(ev.Tid, out var killed))
                {
                    ProcessExited(killed.Process);
                }

                break;
            case TraceEventKind.Superseded:
                // The exec'ing thread (ev.Number) took the leader's tid (ev.Tid); the old leader is gone.
                if (_threads.Remove(ev.Number, out var execer) && !_threads.ContainsKey(ev.Tid))
                {
                    execer.Process.Threads.Remove(ev.Number);
                    _threads[ev.Tid] = new ReplayThread(ev.Tid, execer.Process, vforkChild: false);
                    execer.Process.Threads.Add(ev.Tid);
                }
                else
                {
                    execer?.Process.Threads.Remove(ev.Number);
                }

                break;
        }
    }

    private void ApplyCall(TraceEvent ev)
    {
        var thread = ThreadOf(ev);
        var p = thread.Process;
        p.Tally.Count(ev);
        if (p.Exited || p.Mm is null)
        {
            if (ev.Syscall is not (SyscallKind.Execve or SyscallKind.Execveat or SyscallKind.Exit or SyscallKind.ExitGroup))
            {
                LateEvents++;
                p.Tally.NotJudged(Unjudged.NoResult);
                return;
            }
        }

        if (p.Sealed.Count > 0 && OnSealedMemory(p, ev))
        {
            return;
        }

        if (!HasResult(ev) && ev.Syscall is SyscallKind.Madvise or SyscallKind.ProcessMadvise or SyscallKind.PidfdOpen or SyscallKind.Mmap
            or SyscallKind.Munmap or SyscallKind.Mprotect or SyscallKind.PkeyMprotect or SyscallKind.Mincore or SyscallKind.Mlock
            or SyscallKind.Mlock2 or SyscallKind.Munlock)
        {
            // In flight at the end, detached, or the thread died in it: its effect is unknown, so it is not run.
            _pendingUnmaps.Remove(ev.Tid);
            _earlyResults.Remove(ev.Tid);
            p.Tally.NotJudged(Unjudged.NoResult);
            return;
        }

        switch (ev.Syscall)
        {
            case SyscallKind.Madvise:
                Madvise(p, ev);
                break;
            case SyscallKind.ProcessMadvise:
                ProcessMadvise(p, ev);
                break;
            case SyscallKind.PidfdOpen:
                PidfdOpen(p, ev);
                break;
            case SyscallKind.Mmap:
                Mmap(p, ev);
                break;
            case SyscallKind.Munmap:
                Munmap(p, ev);
                break;
            case SyscallKind.Mprotect or SyscallKind.PkeyMprotect:
                Mprotect(p, ev);
                break;
            case SyscallKind.Brk:
                Brk(p, ev);
                break;
            case SyscallKind.Mremap:
                Mremap(p, ev);
                break;
            case SyscallKind.Mincore:
                Mincore(p, ev);
                break;
            case SyscallKind.Mlock or SyscallKind.Mlock2 or SyscallKind.Munlock:
                Mlock(p, ev);
                break;
            case SyscallKind.Clone or SyscallKind.Clone3 or SyscallKind.Fork or SyscallKind.Vfork:
                CloneDone(thread, ev);
                break;
            case SyscallKind.Execve or SyscallKind.Execveat:
                Execve(thread, ev);
                break;
            case SyscallKind.Exit:
                p.Tally.NotJudged(Unjudged.Process);
                break;
            case SyscallKind.ExitGroup:
                p.Tally.NotJudged(Unjudged.Process);
                if (ev.Result != ResultKind.Error)
                {
                    ProcessExited(p);
                }

                break;
            case SyscallKind.Mseal:
                p.Tally.NotJudged(Unjudged.NotSimulated);
                if (LoggedSuccess(ev) && ev.ArgCount >= 2)
                {
                    p.Sealed.Add((ev.Args[0], ev.Args[0] + PageSize.PageAlign(ev.Args[1])));
                }

                break;
            default:
                p.Tally.NotJudged(Unjudged.NotSimulated);
                break;
        }
    }

    /// <summary>
    /// A call on memory an mseal of the log sealed: its answer depends on the seal, which the
    /// simulated kernel does not have, so it is not judged; one the log shows failing is not run
    /// (sealed memory stays as it was).
    /// </summary>
    /// <returns>True when the call was handled here.</returns>
    private bool OnSealedMemory(ReplayProcess p, TraceEvent ev)
    {
        var onSeal = ev.Syscall switch
        {
            SyscallKind.Munmap or SyscallKind.Mprotect or SyscallKind.PkeyMprotect or SyscallKind.Mremap or SyscallKind.Madvise
                => ev.ArgCount >= 2 && p.TouchesSealed(ev.Args[0], ev.Args[1]),
            SyscallKind.Mmap => ev.ArgCount == 6 && (ev.Args[3] & MapFlags.MAP_FIXED) != 0 && p.TouchesSealed(ev.Args[0], ev.Args[1]),
            _ => false,
        };
        if (!onSeal || LoggedSuccess(ev))
        {
            return false;
        }

        p.Tally.NotJudged(Unjudged.NotSimulated);
        return true;
    }

    /// <summary>The thread of the event's tid, created on its first line (a child of a clone in progress, or a thread of the first process).</summary>
    private ReplayThread ThreadOf(TraceEvent ev)
    {
        if (_threads.TryGetValue(ev.Tid, out var thread))
        {
            return thread;
        }

        // A clone in progress whose child has no line yet: this is the child (its lines can come
        // before the parent's result).
        var parentTid = -1;
        long latest = -1;
        foreach (var (tid, clone) in _pendingClones)
        {
            if (clone.Child == 0 && clone.Line > latest && _threads.ContainsKey(tid))
            {
                parentTid = tid;
                latest = clone.Line;
            }
        }

        if (parentTid >= 0)
        {
            var clone = _pendingClones[parentTid];
            _pendingClones[parentTid] = clone with { Child = ev.Tid };
            return CreateChild(_threads[parentTid], ev.Tid, clone.Flags);
        }

        if (_initial is { Exited: false } initial)
        {
            return AddThread(initial, ev.Tid, vforkChild: false);
        }

        // The trace's first process: started by the first line's execve, or attached.
        var attach = !(ev.Kind == TraceEventKind.Call && ev.Syscall is SyscallKind.Execve or SyscallKind.Execveat);
        var name = attach ? AttachedName(ev.Tid) : ProgramName(ev.Name);
        var process = NewProcess(ev.Tid, Kernel.CreateProcess(), Tally(name));
        _initial ??= process;
        if (attach && _seedPending)
        {
            Seed(process);
        }

        return AddThread(process, ev.Tid, vforkChild: false);
    }

    private ReplayThread AddThread(ReplayProcess process, int tid, bool vforkChild)
    {
        var thread = new ReplayThread(tid, process, vforkChild);
        _threads[tid] = thread;
        process.Threads.Add(tid);
        process.Tally.Threads++;
        return thread;
    }

    private ReplayProcess NewProcess(int pid, TaskStruct task, ProgramTally tally)
    {
        var process = new ReplayProcess(pid, task, tally);
        _running.Add(task, process);
        ProcessCount++;
        return process;
    }

    private ProgramTally Tally(string name)
    {
        if (!_programs.TryGetValue(name, out var tally))
        {
            tally = new ProgramTally(name);
            _programs.Add(name, tally);
        }

        return tally;
    }

    /// <summary>The file name of an execve path (<c>/usr/bin/node</c> → <c>node</c>).</summary>
    private static string ProgramName(string? path) =>
        string.IsNullOrEmpty(path) ? "?" : Path.GetFileName(path) is { Length: > 0 } f ? f : path;

    /// <summary>An attached process's name: its executable from the maps file (the first file mapping), else its pid.</summary>
    private string AttachedName(int pid)
    {
        if (_seedPending && _options.Maps!.FirstOrDefault(m => m.Path.StartsWith('/')) is { } exe)
        {
            return ProgramName(exe.Path);
        }

        return "pid " + pid.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Measures one call: mmap_lock acquisitions on <paramref name="mm"/> (and <paramref name="other"/>), TLB shootdowns, time.</summary>
    private readonly struct Measure
    {
        private readonly (long Reads, long Writes) _locks;
        private readonly (long Reads, long Writes) _otherLocks;
        private readonly long _flushes;
        private readonly long _start;

        public Measure(SimulatedKernel kernel, MmStruct mm, MmStruct? other)
        {
            _locks = mm.MmapLock.AcquisitionCounts();
            _otherLocks = other is null ? default : other.MmapLock.AcquisitionCounts();
            _flushes = kernel.Stats.TlbFlushes;
            _start = Stopwatch.GetTimestamp();
        }

        public void End(SimulatedKernel kernel, MmStruct mm, MmStruct? other, ProgramTally tally, bool advice)
        {
            var ticks = Stopwatch.GetTimestamp() - _start;
            var locks = mm.MmapLock.AcquisitionCounts();
            var reads = locks.Reads - _locks.Reads;
            var writes = locks.Writes - _locks.Writes;
            if (other is not null)
            {
                var o = other.MmapLock.AcquisitionCounts();
                reads += o.Reads - _otherLocks.Reads;
                writes += o.Writes - _otherLocks.Writes;
            }

            var flushes = kernel.Stats.TlbFlushes - _flushes;
            tally.All.Add(reads, writes, flushes, ticks);
            if (advice)
            {
                tally.Advice.Add(reads, writes, flushes, ticks);
            }
        }
    }

    /// <summary>Exits every process still running (the end of the trace) and releases the kernel.</summary>
    public void Dispose()
    {
        foreach (var p in _running.Values)
        {
            p.Task.Exit();
        }

        _fileHolder.Exit();
        Kernel.Dispose();
    }
}
