using BenchmarkDotNet.Attributes;
using Madvise.Kernel;
using Madvise.Abi;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using System.Runtime.InteropServices;
using static Madvise.Abi.MemoryAdvice;
using static Madvise.Abi.PageSize;

namespace Madvise.Bench.Advice;

/// <summary>
/// Issue 4: the series' experiment in the simulator — MADV_DONTNEED over 256 MiB in 4 KiB
/// ranges, as a madvise() loop (<see cref="Batch"/> 0) or as process_madvise() calls on the
/// process's own pidfd with vectors of <see cref="Batch"/> ranges, for each kernel profile.
/// One invocation is one pass over the 65,536 ranges; the mean is the time of a pass.
/// </summary>
/// <remarks>
/// The iovec array (65,536 entries, 1 MiB) is written into the task's memory once, in the
/// global setup; each call passes a pointer into it, so the kernel imports the vector from user
/// memory as Linux does. The 256 MiB are populated again (one store per page) in the iteration
/// setup, outside the measurement.
/// </remarks>
[MemoryDiagnoser]
[WarmupCount(IterationSetupWarmup.Count)]
[BenchmarkCategory(BenchmarkCategories.Advice, BenchmarkCategories.Uncontended)]
public class ProcessMadviseBenchmarks
{
    /// <summary>Ranges per pass (256 MiB in 4 KiB units).</summary>
    private const int Ranges = 65536;

    /// <summary>The advised region's length.</summary>
    private const ulong Bytes = Ranges * PAGE_SIZE;

    /// <summary>The kernel and process.</summary>
    private BenchProcess _process = null!;

    /// <summary>The calling (and target) task.</summary>
    private TaskStruct _task = null!;

    /// <summary>Start of the 256 MiB region.</summary>
    private ulong _addr;

    /// <summary>Address of the iovec array in the task's memory.</summary>
    private ulong _iovecs;

    /// <summary>pidfd_open(getpid()) of the task.</summary>
    private long _pidfd;

    /// <summary>The kernel's locking design.</summary>
    [Params(KernelProfile.PerRangeLock, KernelProfile.BatchedLock, KernelProfile.BatchedTlb, KernelProfile.PerVmaLock)]
    public KernelProfile Profile { get; set; }

    /// <summary>Ranges per process_madvise() call; 0 = one madvise() call per range.</summary>
    [Params(0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _process = new BenchProcess(Profile, 2 * Bytes);
        _task = _process.Task;
        _addr = _process.MapAnonymous(Bytes);
        var iovecBytes = (ulong)Ranges * IoVec.Size;
        _iovecs = _process.MapAnonymous(iovecBytes);
        var vec = new IoVec[Ranges];
        for (var i = 0; i < Ranges; i++)
        {
            vec[i] = new IoVec(_addr + ((ulong)i * PAGE_SIZE), PAGE_SIZE);
        }

        if (_process.Mm.WriteUser(_iovecs, MemoryMarshal.AsBytes(vec.AsSpan())) != (long)iovecBytes)
        {
            throw new InvalidOperationException("writing the iovec array faulted");
        }

        _pidfd = Sys.PidfdOpen(_task, _task.Pid, 0);
        if (_pidfd < 0)
        {
            throw new InvalidOperationException($"pidfd_open failed: {_pidfd}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _process.Dispose();

    /// <summary>Populates the 256 MiB again (one store per page).</summary>
    [IterationSetup]
    public void Repopulate() => _process.TouchPages(_addr, Ranges);

    /// <summary>One pass: DONTNEED of every 4 KiB range, by madvise() or process_madvise() of <see cref="Batch"/> ranges.</summary>
    [Benchmark]
    public long DontNeedPass()
    {
        var task = _task;
        long sum = 0;
        if (Batch == 0)
        {
            for (var i = 0; i < Ranges; i++)
            {
                sum += Sys.Madvise(task, _addr + ((ulong)i * PAGE_SIZE), PAGE_SIZE, MADV_DONTNEED);
            }

            return sum;
        }

        var vlen = (ulong)Batch;
        var stride = vlen * IoVec.Size;
        var end = _iovecs + ((ulong)Ranges * IoVec.Size);
        for (var vec = _iovecs; vec < end; vec += stride)
        {
            sum += Sys.ProcessMadvise(task, _pidfd, vec, vlen, MADV_DONTNEED, 0);
        }

        return sum;
    }
}
