using Madvise.Kernel;
using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using static Madvise.Abi.PageSize;

namespace Madvise.Bench;

/// <summary>
/// A simulated kernel with one process, for benchmarks: maps anonymous memory and touches it
/// through the task's own stores (the calling thread is the simulated CPU).
/// </summary>
public sealed class BenchProcess : IDisposable
{
    /// <summary>Creates a kernel with <paramref name="memoryBytes"/> of RAM and <paramref name="profile"/>, and one root process.</summary>
    public BenchProcess(KernelProfile profile, ulong memoryBytes)
    {
        Kernel = new Madvise.Kernel.SimulatedKernel(new KernelConfig { MemoryBytes = memoryBytes, Profile = profile });
        Task = Kernel.CreateProcess();
    }

    /// <summary>The simulated kernel.</summary>
    public Madvise.Kernel.SimulatedKernel Kernel { get; }

    /// <summary>The process whose memory the benchmark works on.</summary>
    public TaskStruct Task { get; }

    /// <summary>The process's address space.</summary>
    public MmStruct Mm => Task.Mm ?? throw new InvalidOperationException("the benchmark process exited");

    /// <summary>mmap(NULL, bytes, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS): the address; throws on failure (setup only).</summary>
    public ulong MapAnonymous(ulong bytes)
    {
        var addr = Sys.Mmap(Task, 0, bytes, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0);
        return addr >= 0 ? (ulong)addr : throw new InvalidOperationException($"mmap failed: {addr}");
    }

    /// <summary>munmap; throws on failure (setup only).</summary>
    public void Unmap(ulong addr, ulong bytes)
    {
        var r = Sys.Munmap(Task, addr, bytes);
        if (r != 0)
        {
            throw new InvalidOperationException($"munmap failed: {r}");
        }
    }

    /// <summary>madvise; throws on failure (setup only).</summary>
    public void Advise(ulong addr, ulong bytes, MemoryAdvice behavior)
    {
        var r = Sys.Madvise(Task, addr, bytes, behavior);
        if (r != 0)
        {
            throw new InvalidOperationException($"madvise({behavior}) failed: {r}");
        }
    }

    /// <summary>Stores one byte into each of <paramref name="pages"/> pages from <paramref name="addr"/>, as a touch loop would.</summary>
    public void TouchPages(ulong addr, int pages, byte value = 1)
    {
        var mm = Mm;
        for (var i = 0; i < pages; i++)
        {
            if (mm.FillUser(addr + ((ulong)i * PAGE_SIZE), 1, value) != 1)
            {
                throw new InvalidOperationException($"store to {addr + ((ulong)i * PAGE_SIZE):x} faulted");
            }
        }
    }

    /// <summary>Releases the kernel's native memory.</summary>
    public void Dispose() => Kernel.Dispose();
}
