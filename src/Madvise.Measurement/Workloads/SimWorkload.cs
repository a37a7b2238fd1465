using System.Buffers.Binary;
using System.Diagnostics;
using Madvise.Abi;
using Madvise.Kernel;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;

namespace Madvise.Measurement.Workloads;

/// <summary>
/// The workload on a fresh simulated kernel with one profile: one process, its buffer, the iovec
/// array of every unit written once into its memory (the vector of chunk i of a batch size b is
/// the b entries at <c>vec + i·b·16</c>, so one array serves every batch size), and a pidfd of
/// itself. The simulated kernel does the work it models and nothing else: it never sleeps or
/// spins to imitate hardware, so its times are what the model costs on this machine.
/// </summary>
public sealed class SimWorkload : IAdviceWorkload
{
    /// <summary>Bytes per page.</summary>
    private const ulong PageBytes = PageSize.PAGE_SIZE;

    /// <summary>Byte every populating store writes.</summary>
    private const byte FillByte = 0x5A;

    /// <summary>The kernel this workload owns.</summary>
    private readonly Kernel.SimulatedKernel _kernel;

    /// <summary>The advising process.</summary>
    private readonly TaskStruct _task;

    /// <summary>Its address space.</summary>
    private readonly MmStruct _mm;

    /// <summary>Start of the advised buffer in the task's address space.</summary>
    private readonly ulong _buffer;

    /// <summary>Start of the task's iovec array (one entry per unit; mapped read-only once written).</summary>
    private readonly ulong _vector;

    /// <summary>A pidfd of the task itself (pidfd_open(getpid())), as the seed's program uses.</summary>
    private readonly long _pidfd;

    /// <summary>The advising task's sibling threads; null with one thread.</summary>
    private readonly SiblingThreads? _siblings;

    /// <summary>Creates the kernel, the process and its mappings, and writes the iovec array.</summary>
    /// <param name="profile">The kernel profile.</param>
    /// <param name="spec">Buffer, unit and hint.</param>
    /// <param name="threads">Threads of the process during a pass: the advising one and <paramref name="threads"/> − 1 siblings.</param>
    /// <param name="siblingWork">What the siblings do.</param>
    public SimWorkload(KernelProfile profile, WorkloadSpec spec, int threads = 1, SiblingWork siblingWork = SiblingWork.Sleep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        SiblingWork = siblingWork;
        Spec = spec;
        Profile = profile.ToString();
        var vectorBytes = PageSize.PageAlign((ulong)spec.Units * IoVec.Size);

        // Room for the buffer, the array and the writer's pages; frames are committed on first use.
        _kernel = new Kernel.SimulatedKernel(new KernelConfig
        {
            Profile = profile,
            MemoryBytes = spec.Mem + vectorBytes + (8UL << 20),
            Thp = spec.Thp ?? KernelConfig.Default.Thp,
        });
        _task = _kernel.CreateProcess();
        _mm = _task.Mm!;
        _pidfd = Check(Sys.PidfdOpen(_task, _task.Pid, 0), "pidfd_open");
        _buffer = (ulong)Check(Sys.Mmap(_task, 0, spec.Mem, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0), "mmap buffer");
        _vector = (ulong)Check(Sys.Mmap(_task, 0, vectorBytes, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0), "mmap iovec array");
        WriteVector(spec);
        if (spec.Thp == TransparentHugepageMode.Madvise)
        {
            Check(Sys.Madvise(_task, _buffer, spec.Mem, MemoryAdvice.MADV_HUGEPAGE), "madvise HUGEPAGE");
        }

        // Read-only from here on: the array never merges with the buffer's VMA.
        Check(Sys.Mprotect(_task, _vector, vectorBytes, Prot.PROT_READ), "mprotect iovec array");
        if (threads > 1)
        {
            var bodies = new List<ISiblingBody>();
            for (var i = 1; i < threads; i++)
            {
                bodies.Add(new SimSibling(_task, siblingWork));
            }

            _siblings = new SiblingThreads(bodies, siblingWork);
        }
    }

    /// <inheritdoc/>
    public string Target => "sim";

    /// <inheritdoc/>
    public string? Profile { get; }

    /// <inheritdoc/>
    public string Label => Threads > 1 ? $"{Profile} t{Threads}" : Profile!;

    /// <inheritdoc/>
    public int Threads { get; }

    /// <inheritdoc/>
    public SiblingWork SiblingWork { get; }

    /// <inheritdoc/>
    public WorkloadSpec Spec { get; }

    /// <inheritdoc/>
    public int HugeBlocks { get; private set; } = -1;

    /// <inheritdoc/>
    public string? Populate()
    {
        if (Spec.Thp is not null)
        {
            // A fresh buffer: whole-block DONTNEED frees the page tables, so stores fault huge pages.
            var r = Sys.Madvise(_task, _buffer, Spec.Mem, MemoryAdvice.MADV_DONTNEED);
            if (r < 0)
            {
                return "populate: DONTNEED " + Errno.Name((int)-r);
            }
        }

        if (Spec.Hint == MemoryAdvice.MADV_GUARD_INSTALL)
        {
            // Guard markers make every store fault; take them away so the pages can be written again.
            var r = Sys.Madvise(_task, _buffer, Spec.Mem, MemoryAdvice.MADV_GUARD_REMOVE);
            if (r < 0)
            {
                return "populate: GUARD_REMOVE " + Errno.Name((int)-r);
            }
        }

        for (ulong offset = 0; offset < Spec.Mem; offset += PageBytes)
        {
            if (_mm.FillUser(_buffer + offset, 1, FillByte) != 1)
            {
                return "populate: store faulted";
            }
        }

        if (Spec.Thp is not null)
        {
            long hugeKiB = 0;
            foreach (var entry in _mm.Smaps(_buffer, Spec.Mem))
            {
                hugeKiB += entry.AnonHugePages;
            }

            HugeBlocks = (int)(hugeKiB >> 11);
        }

        return null;
    }

    /// <inheritdoc/>
    public PassResult RunPass(int batch, int maxRangesPerCall)
    {
        var locks = _mm.MmapLock.GetStatistics();
        var flushes = _kernel.Stats.TlbFlushes;
        var remote = _kernel.Stats.TlbRemoteFlushes;
        string? error;
        _siblings?.Run();
        var start = Stopwatch.GetTimestamp();
        if (batch == 0)
        {
            error = MadviseLoop();
        }
        else
        {
            error = VectorLoop(batch, maxRangesPerCall);
        }

        var end = Stopwatch.GetTimestamp();
        _siblings?.Park();
        if (error is not null)
        {
            return PassResult.Failed(error);
        }

        var after = _mm.MmapLock.GetStatistics();
        return new PassResult(
            Timing.Nanoseconds(start, end),
            after.ReadAcquisitions + after.WriteAcquisitions - locks.ReadAcquisitions - locks.WriteAcquisitions,
            _kernel.Stats.TlbFlushes - flushes,
            null,
            _kernel.Stats.TlbRemoteFlushes - remote);
    }

    /// <inheritdoc/>
    public IMmapWriter CreateWriter(WriterKind kind) => new SimMmapWriter(_task, kind);

    /// <summary>Releases the kernel's memory.</summary>
    /// <remarks>
    /// The kernel is private to this workload and goes away whole, so the process is not exited
    /// first: tearing its address space down page by page would be work for nothing.
    /// </remarks>
    public void Dispose()
    {
        _siblings?.Dispose();
        _kernel.Dispose();
    }

    /// <summary>madvise() once per unit.</summary>
    private string? MadviseLoop()
    {
        var unit = Spec.Unit;
        var end = _buffer + Spec.Mem;
        for (var addr = _buffer; addr < end; addr += unit)
        {
            var r = Sys.Madvise(_task, addr, unit, Spec.Hint);
            if (r != 0)
            {
                return r < 0 ? Errno.Name((int)-r) : $"madvise returned {r}";
            }
        }

        return null;
    }

    /// <summary>process_madvise() per vector of <paramref name="batch"/> units, in calls of at most <paramref name="cap"/> ranges.</summary>
    private string? VectorLoop(int batch, int cap)
    {
        var units = Spec.Units;
        var perCall = cap > 0 ? Math.Min(cap, batch) : batch;
        for (var first = 0; first < units; first += batch)
        {
            var inVector = Math.Min(batch, units - first);
            for (var done = 0; done < inVector; done += perCall)
            {
                var count = Math.Min(perCall, inVector - done);
                var r = Sys.ProcessMadvise(_task, _pidfd, _vector + ((ulong)(first + done) * IoVec.Size), (ulong)count, Spec.Hint, 0);
                if (r != (long)((ulong)count * Spec.Unit))
                {
                    return r < 0 ? "process_madvise: " + Errno.Name((int)-r) : $"process_madvise: short ({r} bytes)";
                }
            }
        }

        return null;
    }

    /// <summary>Writes one iovec per unit into the task's array, a page at a time.</summary>
    private void WriteVector(WorkloadSpec spec)
    {
        Span<byte> page = stackalloc byte[(int)PageBytes];
        const int perPage = (int)PageBytes / IoVec.Size;
        for (var first = 0; first < spec.Units; first += perPage)
        {
            var count = Math.Min(perPage, spec.Units - first);
            for (var i = 0; i < count; i++)
            {
                var entry = page.Slice(i * IoVec.Size, IoVec.Size);
                BinaryPrimitives.WriteUInt64LittleEndian(entry, _buffer + ((ulong)(first + i) * spec.Unit));
                BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], spec.Unit);
            }

            var bytes = page[..(count * IoVec.Size)];
            if (_mm.WriteUser(_vector + ((ulong)first * IoVec.Size), bytes) != bytes.Length)
            {
                throw new InvalidOperationException("writing the simulated iovec array faulted");
            }
        }
    }

    /// <summary>A set-up call must succeed: the model is private to this workload, so a failure is a bug.</summary>
    private static long Check(long result, string what) =>
        result >= 0 ? result : throw new InvalidOperationException($"simulated {what} failed: {Errno.Format(result)}");
}
