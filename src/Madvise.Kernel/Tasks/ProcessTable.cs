using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Locking;

namespace Madvise.Kernel.Tasks;

/// <summary>
/// The kernel's tasks by pid. <see cref="_lock"/> (leaf) protects the table.
/// </summary>
/// <remarks>
/// Pids are handed out cyclically below <see cref="KernelConfig.PidMax"/> (Linux: alloc_pid(),
/// from the last pid given, wrapping to RESERVED_PIDS), so the table holds at most that many
/// tasks and fork fails with -EAGAIN when every pid is in use. An exited task stays, a zombie,
/// while its parent lives (nothing in the model waits for children); once both have exited it
/// is reaped, as init reaps the orphans it inherits. Tasks the kernel created (no parent) stay
/// zombies: their creator may still hold them.
/// </remarks>
public sealed class ProcessTable
{
    /// <summary>The first pid handed out.</summary>
    private const int FirstPid = 1000;

    /// <summary>Where pid allocation wraps to (Linux: RESERVED_PIDS).</summary>
    private const int ReservedPids = 300;

    private readonly SimulatedKernel _kernel;

    /// <summary>kernel.pid_max.</summary>
    private readonly int _pidMax;

    /// <summary>Protects <see cref="_tasks"/> and <see cref="_nextPid"/>. Leaf lock (<see cref="LockClass.ProcessTable"/>): fork creates the child under its parent's state lock.</summary>
    private readonly KernelLock _lock = new(LockClass.ProcessTable);

    /// <summary>Every task created and not yet reaped.</summary>
    private readonly Dictionary<int, TaskStruct> _tasks = [];

    private int _nextPid = FirstPid;

    internal ProcessTable(SimulatedKernel kernel, int pidMax)
    {
        _kernel = kernel;
        _pidMax = pidMax;
    }

    /// <summary>Number of tasks (running and zombie).</summary>
    public int Count
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _tasks.Count;
            }
        }
    }

    /// <summary>The task with pid <paramref name="pid"/>, or null.</summary>
    public TaskStruct? Find(int pid)
    {
        using (_lock.EnterScope())
        {
            return _tasks.GetValueOrDefault(pid);
        }
    }

    /// <summary>Every task, in pid order.</summary>
    public TaskStruct[] Snapshot()
    {
        using (_lock.EnterScope())
        {
            var all = _tasks.Values.ToArray();
            Array.Sort(all, static (a, b) => a.Pid.CompareTo(b.Pid));
            return all;
        }
    }

    /// <summary>A new task with the next free pid, or null when every pid below pid_max is in use.</summary>
    internal TaskStruct? Create(TaskStruct? parent, Credentials cred, MmStruct mm, FdTable files)
    {
        using (_lock.EnterScope())
        {
            var pid = NextFreePidLocked();
            if (pid < 0)
            {
                return null;
            }

            var task = new TaskStruct(_kernel, pid, parent, cred, mm, files);
            _tasks.Add(pid, task);
            return task;
        }
    }

    /// <summary>
    /// After <paramref name="task"/> exited: its exited children are reaped (their parent is gone),
    /// and so is the task itself when its parent has exited before it. Both sides decide under
    /// the table lock after setting their own exit flag, so a parent and child exiting at once
    /// cannot both leave the child behind.
    /// </summary>
    internal void ReapAfterExit(TaskStruct task)
    {
        using (_lock.EnterScope())
        {
            if (task.Parent is { HasExited: true })
            {
                _tasks.Remove(task.Pid);
            }

            List<int>? orphans = null;
            foreach (var t in _tasks.Values)
            {
                if (t.Parent == task && t.HasExited)
                {
                    (orphans ??= []).Add(t.Pid);
                }
            }

            if (orphans is not null)
            {
                foreach (var pid in orphans)
                {
                    _tasks.Remove(pid);
                }
            }
        }
    }

    /// <summary>The next pid not in use, cyclically from the last one given, or -1. Precondition: <see cref="_lock"/> is held.</summary>
    private int NextFreePidLocked()
    {
        if (_tasks.Count >= _pidMax - ReservedPids)
        {
            return -1;
        }

        var pid = _nextPid;
        while (true)
        {
            if (pid >= _pidMax)
            {
                pid = ReservedPids;
            }

            if (!_tasks.ContainsKey(pid))
            {
                _nextPid = pid + 1;
                return pid;
            }

            pid++;
        }
    }
}
