using Madvise.Kernel.Fs;
using Madvise.Kernel.Syscalls;
using Madvise.Replay.Model;
using Madvise.Replay.Strace;

namespace Madvise.Replay.Replay;

// Threads and processes: clone, fork, vfork, execve, exit, and the maps file.
public sealed partial class TraceReplayer
{
    /// <summary>A clone-family call returned: creates the child unless its first line already did.</summary>
    private void CloneDone(ReplayThread parent, TraceEvent ev)
    {
        parent.Process.Tally.NotJudged(Unjudged.Process);
        var flags = ev.Syscall == SyscallKind.Fork ? 0 : ev.Args[0];
        var known = _pendingClones.Remove(parent.Tid, out var pending);
        if (known)
        {
            flags = pending.Flags;
        }

        if (ev.Result != ResultKind.Value || ev.Value <= 0 || ev.Value > int.MaxValue)
        {
            return;
        }

        var child = (int)ev.Value;
        if (_threads.ContainsKey(child) || (known && pending.Child == child))
        {
            return;
        }

        CreateChild(parent, child, flags);
    }

    /// <summary>A new thread (CLONE_THREAD), vfork child (CLONE_VM) or forked process of <paramref name="parent"/>.</summary>
    private ReplayThread CreateChild(ReplayThread parent, int tid, ulong flags)
    {
        var p = parent.Process;
        if ((flags & (CloneFlags.CLONE_THREAD | CloneFlags.CLONE_VM)) != 0)
        {
            return AddThread(p, tid, vforkChild: (flags & CloneFlags.CLONE_THREAD) == 0);
        }

        var task = p.Task.Fork(out _) ?? Kernel.CreateProcess();
        var child = NewProcess(tid, task, p.Tally);
        child.InheritDescriptors(p);
        return AddThread(child, tid, vforkChild: false);
    }

    /// <summary>
    /// A successful execve: the thread's process gets a new, empty address space (a vfork child
    /// becomes a process of its own and leaves its parent's alone); every other thread of the
    /// process is gone. The first execve of the trace is where the maps file applies.
    /// </summary>
    private void Execve(ReplayThread thread, TraceEvent ev)
    {
        var old = thread.Process;
        old.Tally.NotJudged(Unjudged.Process);
        if (ev.Result != ResultKind.Value || ev.Value != 0)
        {
            // A failed execve changes nothing; a missing result (strace detached) is taken as failed.
            return;
        }

        var tally = Tally(ProgramName(ev.Name));
        if (thread.VforkChild)
        {
            old.Threads.Remove(thread.Tid);
            var own = NewProcess(thread.Tid, Kernel.CreateProcess(), tally);
            thread.Process = own;
            thread.VforkChild = false;
            own.Threads.Add(thread.Tid);
            tally.Threads++;
            SeedIfPending(own);
            return;
        }

        foreach (var tid in old.Threads)
        {
            if (tid != thread.Tid && _threads.TryGetValue(tid, out var other) && !other.VforkChild)
            {
                _threads.Remove(tid);
            }
        }

        old.Threads.Clear();
        old.Threads.Add(thread.Tid);
        old.Task.Exit();
        _running.Remove(old.Task);
        old.Task = Kernel.CreateProcess();
        _running[old.Task] = old;
        if (old.Tally != tally)
        {
            // The thread now runs another program: one more process and thread of it (a process
            // that execs its own program, like the first one whose execve created it, is counted).
            old.Tally = tally;
            tally.Processes++;
            tally.Threads++;
        }
        old.Exited = false;
        old.Files.Clear();
        old.Sealed.Clear();
        old.BrkStart = old.BrkEnd = 0;
        SeedIfPending(old);
    }

    private void SeedIfPending(ReplayProcess process)
    {
        if (_seedPending && process == _initial)
        {
            Seed(process);
        }
    }

    /// <summary>A thread's <c>+++ exited +++</c>: the process ends with its last thread.</summary>
    private void ThreadExited(int tid)
    {
        if (!_threads.Remove(tid, out var thread))
        {
            return;
        }

        var p = thread.Process;
        p.Threads.Remove(tid);
        if (p.Threads.Count == 0)
        {
            ProcessExited(p);
        }
    }

    /// <summary>exit_group, a kill, or the last thread's exit: the simulated process exits (its address space goes when no pidfd user holds it).</summary>
    private void ProcessExited(ReplayProcess p)
    {
        if (p.Exited)
        {
            return;
        }

        p.Exited = true;
        p.Task.Exit();
        _running.Remove(p.Task);
    }

    /// <summary>
    /// Creates the mappings of the maps file in <paramref name="p"/>'s empty address space:
    /// file mappings backed by one simulated file per path (as large as its largest mapping
    /// needs), [stack] growing down, [heap] as the brk area, the rest anonymous. Mappings above
    /// the user address limit ([vsyscall]) are left out.
    /// </summary>
    private void Seed(ReplayProcess p)
    {
        _seedPending = false;
        var maps = _options.Maps!;
        var sizes = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var m in maps)
        {
            if (m.Path.StartsWith('/') && m.Inode != 0)
            {
                sizes[m.Path] = Math.Max(sizes.GetValueOrDefault(m.Path), m.Offset + (m.End - m.Start));
            }
        }

        foreach (var m in maps)
        {
            if (m.End > PageSize.TASK_SIZE || m.End <= m.Start)
            {
                continue;
            }

            var prot = (m.Perms[0] == 'r' ? Prot.PROT_READ : 0) | (m.Perms[1] == 'w' ? Prot.PROT_WRITE : 0) | (m.Perms[2] == 'x' ? Prot.PROT_EXEC : 0);
            var flags = MapFlags.MAP_FIXED | (m.Perms[3] == 's' ? MapFlags.MAP_SHARED : MapFlags.MAP_PRIVATE);
            OpenFile? file = null;
            if (sizes.TryGetValue(m.Path, out var size) && m.Inode != 0)
            {
                file = FileFor(m.Path, size);
            }
            else
            {
                flags |= MapFlags.MAP_ANONYMOUS;
            }

            if (m.Path == "[stack]")
            {
                flags |= MapFlags.MAP_GROWSDOWN;
            }
            else if (m.Path == "[heap]")
            {
                p.BrkStart = m.Start;
                p.BrkEnd = m.End;
            }

            if (MapWithFile(p, m.Start, m.End - m.Start, prot, flags, file, m.Offset) >= 0)
            {
                p.Tally.SeededMappings++;
            }
        }
    }

    /// <summary>mmap on behalf of the replayer (not measured): with <paramref name="file"/> installed in the task for the call.</summary>
    private long MapWithFile(ReplayProcess p, ulong addr, ulong length, int prot, int flags, OpenFile? file, ulong offset)
    {
        if (file is null)
        {
            return Sys.Mmap(p.Task, addr, length, (ulong)(uint)prot, (ulong)(uint)flags, -1, offset);
        }

        var fd = p.Task.Files.Install(file);
        try
        {
            return Sys.Mmap(p.Task, addr, length, (ulong)(uint)prot, (ulong)(uint)flags, fd, offset);
        }
        finally
        {
            Sys.Close(p.Task, fd);
        }
    }

    /// <summary>The simulated file for <paramref name="path"/>, at least <paramref name="size"/> bytes (up to the options' limit) or a new larger one.</summary>
    private OpenFile? FileFor(string path, ulong size)
    {
        size = Math.Min(PageSize.PageAlign(size), _options.MaxFileBytes);
        if (_filesByPath.TryGetValue(path, out var file) && file.Inode.Size >= size)
        {
            return file;
        }

        file = CreateFile(size);
        if (file is not null)
        {
            _filesByPath[path] = file;
        }

        return file;
    }

    /// <summary>A new regular file of <paramref name="size"/> bytes held open by the file holder task; null when the memory bound forbids it.</summary>
    private OpenFile? CreateFile(ulong size)
    {
        size = Math.Max(PageSize.PAGE_SIZE, Math.Min(PageSize.PageAlign(size), _options.MaxFileBytes));
        if (!WithinMemoryBound(size))
        {
            return null;
        }

        var fd = Sys.CreateFile(_fileHolder, size, 0x5a, memfd: false);
        return fd < 0 ? null : _fileHolder.Files.Get(fd) as OpenFile;
    }

    /// <summary>True when populating <paramref name="bytes"/> more keeps the kernel's frames in use within <see cref="ReplayOptions.MaxResidentBytes"/>.</summary>
    private bool WithinMemoryBound(ulong bytes) =>
        (ulong)Kernel.Memory.FramesInUse + (bytes >> PageSize.PAGE_SHIFT) <= _options.MaxResidentBytes >> PageSize.PAGE_SHIFT;
}
