using System.Runtime.InteropServices;

namespace Madvise.Measurement.Workloads;

/// <summary>Pinning the calling thread to one CPU of the host (sched_setaffinity(2) on thread id 0), for <c>--pin</c>.</summary>
public static unsafe partial class ThreadAffinity
{
    /// <summary>Bits of the kernel's cpu_set_t as glibc defines it (1024 CPUs).</summary>
    private const int SetBits = 1024;

    /// <summary>Pins the calling thread to <paramref name="cpu"/>; 0, or a negative errno (EINVAL for a CPU this process may not use).</summary>
    public static int PinCurrentThread(int cpu)
    {
        if (cpu is < 0 or >= SetBits)
        {
            return -Errno.EINVAL;
        }

        var set = stackalloc ulong[SetBits / 64];
        new Span<ulong>(set, SetBits / 64).Clear();
        set[cpu / 64] = 1UL << (cpu % 64);
        return SchedSetAffinity(0, SetBits / 8, set) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Allows the calling thread every CPU in <paramref name="cpus"/> again (undoing a pin); 0 or a negative errno.</summary>
    public static int AllowCurrentThread(IReadOnlyList<int> cpus)
    {
        var set = stackalloc ulong[SetBits / 64];
        new Span<ulong>(set, SetBits / 64).Clear();
        foreach (var cpu in cpus)
        {
            if (cpu is >= 0 and < SetBits)
            {
                set[cpu / 64] |= 1UL << (cpu % 64);
            }
        }

        return SchedSetAffinity(0, SetBits / 8, set) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>The CPUs the calling thread may run on; empty when the mask cannot be read.</summary>
    public static IReadOnlyList<int> AllowedCpus()
    {
        var set = stackalloc ulong[SetBits / 64];
        if (SchedGetAffinity(0, SetBits / 8, set) != 0)
        {
            return [];
        }

        var cpus = new List<int>();
        for (var cpu = 0; cpu < SetBits; cpu++)
        {
            if ((set[cpu / 64] & (1UL << (cpu % 64))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return cpus;
    }

    /// <summary>sched_setaffinity(2).</summary>
    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nuint size, ulong* mask);

    /// <summary>sched_getaffinity(2).</summary>
    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nuint size, ulong* mask);
}
