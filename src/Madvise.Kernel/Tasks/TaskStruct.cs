using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Tasks;

/// <summary>
/// A simulated process (Linux: a thread-group leader's <c>task_struct</c>): pid, credentials,
/// address space, descriptors and the fatal-signal state.
/// </summary>
/// <remarks>
/// Many OS threads may act for one task at once; each stands for a thread of the simulated
/// process sharing its address space. The model does not give those threads their own
/// task_struct: credentials and signals are per process. <see cref="_stateLock"/> (the outermost
/// lock) serialises exit against fork and pidfd_open.
/// </remarks>
public sealed class TaskStruct
{
    /// <summary>Serialises exit with operations that must not see a half-exited task. The outermost lock (<see cref="LockClass.TaskState"/>): exit and fork take the descriptor table and the mmap_lock under it.</summary>
    private readonly KernelLock _stateLock = new(LockClass.TaskState);

    private Credentials _cred;

    private MmStruct? _mm;

    /// <summary>Backing field of <see cref="HasExited"/>: written under <see cref="_stateLock"/>, read without it.</summary>
    private bool _hasExited;

    internal TaskStruct(SimulatedKernel kernel, int pid, TaskStruct? parent, Credentials cred, MmStruct mm, FdTable files)
    {
        Kernel = kernel;
        Pid = pid;
        Parent = parent;
        _cred = cred;
        _mm = mm;
        Files = files;
    }

    /// <summary>The kernel this task runs on.</summary>
    public SimulatedKernel Kernel { get; }

    /// <summary>Process id (also the thread-group id).</summary>
    public int Pid { get; }

    /// <summary>The parent, or null for a process created by the kernel.</summary>
    public TaskStruct? Parent { get; }

    /// <summary>Current credentials.</summary>
    public Credentials Cred => Volatile.Read(ref _cred);

    /// <summary>The address space; null once the task has exited.</summary>
    public MmStruct? Mm => Volatile.Read(ref _mm);

    /// <summary>
    /// The address space with a user reference for the caller (Linux: get_task_mm(), mmget), or
    /// null once the task has exited. A system call holds it from entry to return, so a concurrent
    /// <see cref="Exit"/> cannot tear the address space down under it: the last reference, the
    /// call's own if the task exited meanwhile, does that when it is dropped (<see cref="MmStruct.Put"/>).
    /// </summary>
    /// <remarks>No lock: <see cref="Exit"/> clears the field before it drops the task's reference,
    /// so a reader that still sees the mm either finds that reference held or fails mmget_not_zero.</remarks>
    public MmStruct? GetMm()
    {
        var mm = Volatile.Read(ref _mm);
        return mm is not null && mm.TryGet() ? mm : null;
    }

    /// <summary>Descriptor table.</summary>
    public FdTable Files { get; }

    /// <summary>SIGKILL pending.</summary>
    public FatalSignal FatalSignal { get; } = new();

    /// <summary>True once the task has exited (it is then a zombie until reaped, <see cref="ProcessTable"/>: its pidfds stay valid).</summary>
    public bool HasExited
    {
        get => Volatile.Read(ref _hasExited);
        private set => Volatile.Write(ref _hasExited, value);
    }

    /// <summary>
    /// Whether the task may be inspected by other users (Linux: the mm's dumpable flag).
    /// Cleared when credentials change, as with fs.suid_dumpable = 0.
    /// </summary>
    public bool Dumpable { get; private set; } = true;

    /// <summary>
    /// The scenario's <c>setuid</c> as a process performs it: setgroups(0, NULL), setresgid() and
    /// setresuid() to <paramref name="uid"/>, then every capability set emptied (capset). Each call
    /// commits on its own, so a failure leaves the earlier ones done.
    /// </summary>
    /// <returns>0, or -EPERM: setgroups() needs CAP_SETGID whatever the list (kernel/groups.c
    /// may_setgroups()), so a task that already dropped to a uid fails at once; setresuid() to a
    /// uid that is none of the current ones needs CAP_SETUID (kernel/sys.c), and then the gid
    /// change stays.</returns>
    public long SetUid(uint uid)
    {
        using (_stateLock.EnterScope())
        {
            var old = _cred;
            if (!old.Has(Capability.CAP_SETGID))
            {
                return -Errno.EPERM;
            }

            if (!old.Has(Capability.CAP_SETUID) && uid != old.Uid)
            {
                CommitLocked(old with { Gid = uid });
                return -Errno.EPERM;
            }

            CommitLocked(new Credentials(uid, uid, 0));
            return 0;
        }
    }

    /// <summary>
    /// Installs <paramref name="cred"/>. Linux: kernel/cred.c commit_creds(): a change of the
    /// effective (and fs) uid or gid, or a gain of capabilities, sets the mm's dumpable flag to
    /// fs.suid_dumpable, 0 here; lowering capabilities leaves it alone. Precondition: _stateLock is held.
    /// </summary>
    private void CommitLocked(Credentials cred)
    {
        var old = _cred;
        if (old.Uid != cred.Uid || old.Gid != cred.Gid || (cred.Capabilities & ~old.Capabilities) != 0)
        {
            Dumpable = false;
        }

        Volatile.Write(ref _cred, cred);
    }

    /// <summary>Clears one capability from every set.</summary>
    public void DropCapability(Capability cap)
    {
        using (_stateLock.EnterScope())
        {
            Volatile.Write(ref _cred, _cred.Without(cap));
        }
    }

    /// <summary>
    /// Kills the task, as Linux's oops handling kills the task whose system call oopsed: a fatal
    /// signal (its other threads' killable waits end with -EINTR) and <see cref="Exit"/>.
    /// </summary>
    public void Kill()
    {
        FatalSignal.Raise();
        Exit();
    }

    /// <summary>
    /// Exits: closes the descriptors and releases the address space (its memory is freed when
    /// no other user holds it: a system call of the task still running holds one,
    /// <see cref="GetMm"/>). The task stays as a zombie; pidfds that refer to it stay open.
    /// </summary>
    public void Exit()
    {
        MmStruct? mm;
        using (_stateLock.EnterScope())
        {
            if (HasExited)
            {
                return;
            }

            HasExited = true;
            mm = _mm;
            Volatile.Write(ref _mm, null);
        }

        Files.CloseAll();
        mm?.Put();
        Kernel.Processes.ReapAfterExit(this);
    }

    /// <summary>
    /// fork(2): a child with a copy-on-write copy of the address space (VM_DONTCOPY VMAs left
    /// out, VM_WIPEONFORK VMAs empty), the same credentials and a copy of the descriptor table.
    /// </summary>
    /// <returns>The child, or null with <paramref name="error"/> set (-ENOMEM, -EAGAIN when every pid is in use, -ESRCH for an exited task).</returns>
    public TaskStruct? Fork(out long error)
    {
        using (_stateLock.EnterScope())
        {
            var mm = _mm;
            if (HasExited || mm is null)
            {
                error = -Errno.ESRCH;
                return null;
            }

            var childMm = mm.Fork(out error);
            if (childMm is null)
            {
                return null;
            }

            var files = Files.Clone();
            var child = Kernel.Processes.Create(this, Cred, childMm, files);
            if (child is null)
            {
                // alloc_pid() found no free pid: clone fails with -EAGAIN, the copies are dropped.
                files.CloseAll();
                childMm.Put();
                error = -Errno.EAGAIN;
                return null;
            }

            child.Dumpable = Dumpable;
            error = 0;
            return child;
        }
    }

    public override string ToString() => $"task {Pid}{(HasExited ? " (exited)" : string.Empty)}";
}
