using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Locking;

namespace Madvise.Kernel.Tasks;

/// <summary>The kernel's tasks by pid. <see cref="_lock"/> (leaf) protects the table.</summary>
public sealed class ProcessTable
{
    private const int FirstPid = 1000;

    private readonly SimulatedKernel _kernel;

    /// <summary>Protects <see cref="_tasks"/> and <see cref="_nextPid"/>. Leaf lock (<see cref="LockClass.ProcessTable"/>): fork creates the child under its parent's state lock.</summary>
    private readonly KernelLock _lock = new(LockClass.ProcessTable);

    /// <summary>Every task created and not yet reaped.</summary>
    private readonly Dictionary<int, TaskStruct> _tasks = [];

    private int _nextPid = FirstPid;

    internal ProcessTable(SimulatedKernel kernel) => _kernel = kernel;

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

    internal TaskStruct Create(TaskStruct? parent, Credentials cred, MmStruct mm, FdTable files)
    {
        using (_lock.EnterScope())
        {
            var task = new TaskStruct(_kernel, _nextPid++, parent, cred, mm, files);
            _tasks.Add(task.Pid, task);
            return task;
        }
    }
}
