using System.Text;

namespace Madvise.Scenarios.Host;

internal static unsafe partial class HarnessSyscalls
{
    /// <summary>The lowest CPU the calling thread may run on, or -1 when the mask cannot be read.</summary>
    internal static int LowestAllowedCpu()
    {
        Interop.CpuSet set = default;
        if (Interop.Libc.SchedGetAffinity(0, (nuint)sizeof(Interop.CpuSet), &set) != 0)
        {
            return -1;
        }

        for (var word = 0; word < Interop.CpuSet.Capacity / 64; word++)
        {
            if (set[word] != 0)
            {
                return (word * 64) + System.Numerics.BitOperations.TrailingZeroCount(set[word]);
            }
        }

        return -1;
    }

    /// <summary>Pins the calling thread (not the process) to <paramref name="cpu"/>.</summary>
    internal static long PinCurrentThread(int cpu)
    {
        if (cpu is < 0 or >= Interop.CpuSet.Capacity)
        {
            return -Abi.Errno.EINVAL;
        }

        Interop.CpuSet set = default;
        set[cpu / 64] = 1UL << (cpu % 64);
        return Result(Interop.Libc.SchedSetAffinity(0, (nuint)sizeof(Interop.CpuSet), &set));
    }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> for <paramref name="fd"/> to become readable (a pidfd: the process exited).</summary>
    /// <returns>1 when readable, 0 on timeout, or a negative errno.</returns>
    internal static long PollReadable(int fd, int timeoutMilliseconds)
    {
        var p = new Interop.PollFd { Fd = fd, Events = Interop.Libc.POLLIN };
        while (true)
        {
            var r = Interop.Libc.Poll(&p, 1, timeoutMilliseconds);
            if (r >= 0)
            {
                return r;
            }

            var e = LastError();
            if (e != -Abi.Errno.EINTR)
            {
                return e;
            }
        }
    }

    /// <summary>waitpid(2) for one child; returns its pid, 0 (WNOHANG and still running) or a negative errno.</summary>
    internal static long WaitPid(int pid, bool noHang)
    {
        int status;
        while (true)
        {
            var r = Interop.Libc.WaitPid(pid, &status, noHang ? Interop.Libc.WNOHANG : 0);
            if (r >= 0)
            {
                return r;
            }

            var e = LastError();
            if (e != -Abi.Errno.EINTR)
            {
                return e;
            }
        }
    }

    /// <summary>
    /// How the child behind <paramref name="pidfd"/> ended, without reaping it (waitid(2) with
    /// P_PIDFD, WEXITED, WNOHANG and WNOWAIT: it stays a zombie, its pid and pidfds valid).
    /// </summary>
    /// <param name="pidfd">A pidfd of a child of this process.</param>
    /// <param name="killedBy">The signal that killed it, or 0 when it exited.</param>
    /// <param name="exitStatus">Its exit status when it exited, else 0.</param>
    /// <param name="coreDumped">True when the signal dumped core.</param>
    /// <returns>1 when it has ended, 0 while it runs, or a negative errno.</returns>
    internal static long ChildEnded(int pidfd, out int killedBy, out int exitStatus, out bool coreDumped)
    {
        killedBy = exitStatus = 0;
        coreDumped = false;
        Interop.SigInfo info = default;
        while (Interop.Libc.WaitId(Interop.Libc.P_PIDFD, (uint)pidfd, &info, Interop.Libc.WEXITED | Interop.Libc.WNOHANG | Interop.Libc.WNOWAIT) != 0)
        {
            var e = LastError();
            if (e != -Abi.Errno.EINTR)
            {
                return e;
            }
        }

        if (info.Pid == 0)
        {
            return 0;
        }

        if (info.Code == Interop.Libc.CLD_EXITED)
        {
            exitStatus = info.Status;
        }
        else
        {
            killedBy = info.Status;
            coreDumped = info.Code == Interop.Libc.CLD_DUMPED;
        }

        return 1;
    }

    /// <summary>
    /// Starts <paramref name="path"/> with posix_spawn(3), its standard input and output both
    /// duplicated from <paramref name="stdio"/> and standard error inherited, with an empty
    /// signal mask and default signal dispositions. The calling thread becomes the parent.
    /// </summary>
    /// <returns>The child's pid, or a negative errno.</returns>
    internal static long Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, int stdio)
    {
        var pathZ = Encoding.UTF8.GetBytes(path + "\0");
        var (argBlock, argPtrs) = ZeroTerminatedArray(argv);
        var (envBlock, envPtrs) = ZeroTerminatedArray(envp);
        Interop.PosixSpawnFileActions actions = default;
        Interop.PosixSpawnAttr attr = default;
        Interop.SigSet empty = default, all = default;
        Interop.Libc.SigEmptySet(&empty);
        Interop.Libc.SigFillSet(&all);
        var r = Interop.Libc.PosixSpawnFileActionsInit(&actions);
        if (r != 0)
        {
            return -r;
        }

        try
        {
            r = Interop.Libc.PosixSpawnAttrInit(&attr);
            if (r != 0)
            {
                return -r;
            }

            try
            {
                // The child must not inherit the runtime's blocked signals or handlers: it is a
                // fresh .NET process that installs its own.
                if ((r = Interop.Libc.PosixSpawnFileActionsAddDup2(&actions, stdio, 0)) != 0 ||
                    (r = Interop.Libc.PosixSpawnFileActionsAddDup2(&actions, stdio, 1)) != 0 ||
                    (r = Interop.Libc.PosixSpawnAttrSetSigMask(&attr, &empty)) != 0 ||
                    (r = Interop.Libc.PosixSpawnAttrSetSigDefault(&attr, &all)) != 0 ||
                    (r = Interop.Libc.PosixSpawnAttrSetFlags(&attr, Interop.Libc.POSIX_SPAWN_SETSIGMASK | Interop.Libc.POSIX_SPAWN_SETSIGDEF)) != 0)
                {
                    return -r;
                }

                int pid;
                fixed (byte* p = pathZ)
                fixed (byte* a = argBlock)
                fixed (byte* e = envBlock)
                fixed (nint* av = argPtrs)
                fixed (nint* ev = envPtrs)
                {
                    Relocate(av, argPtrs.Length, a);
                    Relocate(ev, envPtrs.Length, e);
                    r = Interop.Libc.PosixSpawn(&pid, p, &actions, &attr, (byte**)av, (byte**)ev);
                }

                return r != 0 ? -r : pid;
            }
            finally
            {
                Interop.Libc.PosixSpawnAttrDestroy(&attr);
            }
        }
        finally
        {
            Interop.Libc.PosixSpawnFileActionsDestroy(&actions);
        }
    }

    /// <summary>Packs strings as consecutive NUL-terminated UTF-8 and records each one's offset (the pointer array ends with a null entry).</summary>
    private static (byte[] Block, nint[] Offsets) ZeroTerminatedArray(IReadOnlyList<string> items)
    {
        var offsets = new nint[items.Count + 1];
        var size = 0;
        for (var i = 0; i < items.Count; i++)
        {
            size += Encoding.UTF8.GetByteCount(items[i]) + 1;
        }

        var block = new byte[Math.Max(size, 1)];
        var at = 0;
        for (var i = 0; i < items.Count; i++)
        {
            offsets[i] = at;
            at += Encoding.UTF8.GetBytes(items[i], block.AsSpan(at));
            block[at++] = 0;
        }

        offsets[items.Count] = -1;
        return (block, offsets);
    }

    /// <summary>Turns the offsets of <see cref="ZeroTerminatedArray"/> into pointers into the pinned block; -1 becomes the terminating null.</summary>
    private static void Relocate(nint* pointers, int count, byte* block)
    {
        for (var i = 0; i < count; i++)
        {
            pointers[i] = pointers[i] < 0 ? 0 : (nint)(block + pointers[i]);
        }
    }
}
