using Madvise.Abi;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;

namespace Madvise.Scenarios.Sim;

/// <summary>One task of the <c>sim</c> target: a simulated process, and the descriptors it holds.</summary>
internal sealed class SimTask : ITargetTask
{
    /// <summary>Descriptors this task holds, by the scenario object they stand for (its own and duplicates).</summary>
    private readonly Dictionary<object, long> _held = [];

    /// <summary>A pidfd of this task opened for <c>pmadvise self ...</c>, or -1.</summary>
    private long _selfPidfd = -1;

    public SimTask(string name, TaskStruct task)
    {
        Name = name;
        Task = task;
    }

    public string Name { get; }

    /// <summary>The simulated process.</summary>
    public TaskStruct Task { get; private set; }

    public bool HasExited => Task.HasExited;

    /// <summary>Moves this wrapper onto a new process (the target rebuilt its kernel for a config step).</summary>
    public void Rebind(TaskStruct task)
    {
        Task = task;
        _held.Clear();
        _selfPidfd = -1;
    }

    public long Exit()
    {
        Task.Exit();
        return 0;
    }

    public long SetUid(uint uid) => Task.SetUid(uid);

    public long DropCapability(int capability)
    {
        Task.DropCapability((Capability)capability);
        return 0;
    }

    public long Mmap(ulong addr, ulong length, int prot, int flags, ITargetFile? file, ulong offset, out ulong mapped)
    {
        mapped = 0;
        long fd = -1;
        if (file is not null)
        {
            fd = Resolve(file, ((SimFile)file).Owner, ((SimFile)file).Fd);
            if (fd < 0)
            {
                return fd;
            }
        }

        var r = Sys.Mmap(Task, addr, length, (ulong)(uint)prot, (ulong)(uint)flags, fd, offset);
        if (Errno.IsErrorValue(r))
        {
            return r;
        }

        mapped = (ulong)r;
        return 0;
    }

    public long Munmap(ulong addr, ulong length) => Sys.Munmap(Task, addr, length);

    public long Mprotect(ulong addr, ulong length, int prot) => Sys.Mprotect(Task, addr, length, (ulong)(uint)prot);

    public long Mlock(ulong addr, ulong length) => Sys.Mlock(Task, addr, length);

    public long Munlock(ulong addr, ulong length) => Sys.Munlock(Task, addr, length);

    public long Madvise(ulong addr, ulong length, MemoryAdvice advice) => Sys.Madvise(Task, addr, length, advice);

    public long ProcessMadvise(PidfdArgument<ITargetPidfd> pidfd, VectorArgument<ulong> vector, MemoryAdvice advice, ulong flags)
    {
        long fd;
        switch (pidfd)
        {
            case PidfdArgument<ITargetPidfd>.Self:
                if (_selfPidfd < 0)
                {
                    var r = Sys.PidfdOpen(Task, Task.Pid, 0);
                    if (r < 0)
                    {
                        return r;
                    }

                    _selfPidfd = r;
                }

                fd = _selfPidfd;
                break;
            case PidfdArgument<ITargetPidfd>.Raw raw:
                fd = raw.Fd;
                break;
            case PidfdArgument<ITargetPidfd>.Named named:
                var p = (SimPidfd)named.Pidfd;
                fd = Resolve(p, p.Owner, p.Fd);
                if (fd < 0)
                {
                    return fd;
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(pidfd));
        }

        var count = VectorArguments.Length(vector);
        if (vector is VectorArgument<ulong>.BadPointer)
        {
            // A page that was mapped and then unmapped.
            var page = Sys.Mmap(Task, 0, 4096, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0);
            if (page < 0)
            {
                return page;
            }

            Sys.Munmap(Task, (ulong)page, 4096);
            return Sys.ProcessMadvise(Task, fd, (ulong)page, count, advice, flags);
        }

        // The array goes to the kernel as the copy import_iovec() makes of it: no mapping of the
        // runner's lies in the task's address space, where a scenario's MAP_FIXED could replace
        // it (the next vector was then written into the scenario's page) or a vector could name
        // it (advised instead of -ENOMEM), and vmas and smaps need not hide one. The array is
        // always readable, so the copy could only have added -EFAULT, which badptr covers.
        return Sys.ProcessMadvise(Task, fd, VectorArguments.BuildEntries(vector), count, (long)advice, flags);
    }

    public long CreateFile(string name, ulong length, byte fill, bool memfd, out ITargetFile? file)
    {
        var fd = Sys.CreateFile(Task, length, fill, memfd);
        if (fd < 0)
        {
            file = null;
            return fd;
        }

        var created = new SimFile(name, this, fd);
        _held[created] = fd;
        file = created;
        return 0;
    }

    public long OpenPidfd(ITargetTask target, out ITargetPidfd? pidfd)
    {
        var fd = Sys.PidfdOpen(Task, ((SimTask)target).Task.Pid, 0);
        if (fd < 0)
        {
            pidfd = null;
            return fd;
        }

        var created = new SimPidfd(target.Name, this, fd);
        _held[created] = fd;
        pidfd = created;
        return 0;
    }

    /// <remarks>As process_vm_writev(2): the address space is held (mm_access) for the call.</remarks>
    public long Write(ulong addr, ulong length, byte value)
    {
        if (Task.GetMm() is not { } mm)
        {
            return -Errno.ESRCH;
        }

        try
        {
            return (ulong)mm.FillRemote(addr, length, value) == length ? 0 : -Errno.EFAULT;
        }
        finally
        {
            mm.Put();
        }
    }

    /// <remarks>As process_vm_readv(2): the address space is held (mm_access) for the call.</remarks>
    public long Read(ulong addr, ulong length, ByteRuns into)
    {
        if (Task.GetMm() is not { } mm)
        {
            return -Errno.ESRCH;
        }

        try
        {
            var buffer = new byte[(int)Math.Min(length, 1UL << 20)];
            ulong done = 0;
            while (done < length)
            {
                var chunk = buffer.AsSpan(0, (int)Math.Min((ulong)buffer.Length, length - done));
                var got = mm.ReadRemote(addr + done, chunk);
                if (got != chunk.Length)
                {
                    return -Errno.EFAULT;
                }

                into.Append(chunk);
                done += (ulong)chunk.Length;
            }

            return 0;
        }
        finally
        {
            mm.Put();
        }
    }

    public long Mincore(ulong addr, ulong length, Span<byte> vec) => Sys.Mincore(Task, addr, length, vec);

    public long Vmas(ulong addr, ulong length, List<MappingInfo> into)
    {
        if (Task.GetMm() is not { } mm)
        {
            return -Errno.ESRCH;
        }

        try
        {
            var end = addr + length < addr ? ulong.MaxValue : addr + length;
            foreach (var (start, stop, flags) in mm.VmaList())
            {
                if (stop <= addr || start >= end)
                {
                    continue;
                }

                into.Add(new MappingInfo(start, stop, flags.Perms(), [.. flags.Mnemonics()]));
            }

            return 0;
        }
        finally
        {
            mm.Put();
        }
    }

    /// <summary>The kernel's smaps counters (<see cref="Madvise.Kernel.Mm.MmStruct.Smaps"/>).</summary>
    public long Smaps(ulong addr, ulong length, List<SmapsInfo> into)
    {
        var mm = Task.Mm;
        if (mm is null)
        {
            return -Errno.ESRCH;
        }

        foreach (var e in mm.Smaps(addr, length))
        {
            into.Add(new SmapsInfo(e.Start, e.End, e.Rss, e.Anonymous, e.AnonHugePages, e.LazyFree, e.Swap, e.Locked));
        }

        return 0;
    }

    /// <summary>
    /// The descriptor this task uses for <paramref name="key"/>: its own, one it already holds
    /// (inherited or duplicated earlier), or a new duplicate of the owner's (-EBADF when the owner
    /// has exited).
    /// </summary>
    private long Resolve(object key, SimTask owner, long ownerFd)
    {
        if (_held.TryGetValue(key, out var fd))
        {
            return fd;
        }

        if (owner.HasExited || (fd = Task.Files.InstallFrom(owner.Task.Files, ownerFd)) < 0)
        {
            return -Errno.EBADF;
        }

        _held[key] = fd;
        return fd;
    }

    /// <summary>A fork child holds every descriptor its parent held, at the same numbers.</summary>
    public void InheritFrom(SimTask parent)
    {
        foreach (var (key, fd) in parent._held)
        {
            _held[key] = fd;
        }
    }
}
