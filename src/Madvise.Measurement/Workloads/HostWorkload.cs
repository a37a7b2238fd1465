using System.Diagnostics;
using System.Runtime.InteropServices;
using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Measurement.Workloads;

/// <summary>
/// The workload on the running kernel, in this process: an mmap'd buffer, a native iovec array
/// with one entry per unit (written once; chunk i of batch size b is the b entries from i·b) and
/// a pidfd of this process. process_madvise() on the own pidfd accepts every behaviour since
/// Linux 6.13; where it does not (ENOSYS, EPERM from seccomp, EINVAL on older kernels) the
/// vector passes fail with that errno and the report says so.
/// </summary>
public sealed unsafe class HostWorkload : IAdviceWorkload
{
    /// <summary>Bytes per page.</summary>
    private const int PageBytes = (int)PageSize.PAGE_SIZE;

    /// <summary>Start of the advised buffer.</summary>
    private readonly nint _buffer;

    /// <summary>The native iovec array (NativeMemory; freed by <see cref="Dispose"/>).</summary>
    private readonly IoVec* _vector;

    /// <summary>A pidfd of this process; null when pidfd_open failed (then <see cref="_pidfdError"/> says why).</summary>
    private readonly SafePidfdHandle? _pidfd;

    /// <summary>The descriptor number of <see cref="_pidfd"/>, kept alive by the handle for the workload's life.</summary>
    private readonly int _pidfdNumber;

    /// <summary>Why vectors cannot be used: the pidfd_open errno; null when the pidfd is open.</summary>
    private readonly string? _pidfdError;

    /// <summary>Set once disposed.</summary>
    private bool _disposed;

    /// <summary>The advising thread's sibling threads and their bodies; null with one thread.</summary>
    private readonly SiblingThreads? _siblings;

    /// <summary>The siblings' own pages, unmapped on disposal.</summary>
    private readonly List<HostSibling> _siblingBodies = [];

    /// <summary>Maps the buffer, writes the iovec array and opens the pidfd.</summary>
    /// <param name="spec">Buffer, unit and hint.</param>
    /// <param name="threads">Threads taking part in a pass: the advising one and <paramref name="threads"/> − 1 siblings (this process has the runtime's threads besides).</param>
    /// <param name="siblingWork">What the siblings do.</param>
    /// <exception cref="MadviseException">The buffer cannot be mapped.</exception>
    public HostWorkload(WorkloadSpec spec, int threads = 1, SiblingWork siblingWork = SiblingWork.Sleep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Spec = spec;
        Threads = threads;
        SiblingWork = siblingWork;
        _buffer = HostMemory.Mmap(0, (nuint)spec.Mem, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS);
        _vector = (IoVec*)NativeMemory.AlignedAlloc((nuint)spec.Units * IoVec.Size, 64);
        for (var i = 0; i < spec.Units; i++)
        {
            _vector[i] = new IoVec((ulong)_buffer + ((ulong)i * spec.Unit), spec.Unit);
        }

        if (spec.Thp is { } thp)
        {
            // The host's mode is machine-wide: measured as it is, never changed here.
            var hostMode = HostKernel.TransparentHugepageMode();
            if (!string.Equals(hostMode, spec.ThpName, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the host runs thp={hostMode}, not {spec.ThpName}");
            }

            if (thp == Kernel.TransparentHugepageMode.Madvise && !HostMemory.TryMadvise(_buffer, (nuint)spec.Mem, MemoryAdvice.MADV_HUGEPAGE, out var hugeErrno))
            {
                throw new InvalidOperationException("madvise HUGEPAGE on the host buffer failed: " + Errno.Name(hugeErrno));
            }
        }

        if (SafePidfdHandle.TryOpen(Environment.ProcessId, 0, out var pidfd, out var errno))
        {
            _pidfd = pidfd;
            _pidfdNumber = pidfd.Fd;
        }
        else
        {
            _pidfdError = "pidfd_open: " + Errno.Name(errno);
        }

        if (threads > 1)
        {
            for (var i = 1; i < threads; i++)
            {
                _siblingBodies.Add(new HostSibling(siblingWork));
            }

            _siblings = new SiblingThreads(_siblingBodies, siblingWork);
        }
    }

    /// <inheritdoc/>
    public string Target => "host";

    /// <inheritdoc/>
    public string? Profile => null;

    /// <inheritdoc/>
    public string Label => Threads > 1 ? $"host t{Threads}" : "host";

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
        if (Spec.Hint == MemoryAdvice.MADV_GUARD_INSTALL
            && !HostMemory.TryMadvise(_buffer, (nuint)Spec.Mem, MemoryAdvice.MADV_GUARD_REMOVE, out var errno))
        {
            // Without removing them a store into a guard page would raise SIGSEGV in this process.
            return "populate: GUARD_REMOVE " + Errno.Name(errno);
        }

        if (Spec.Thp is not null && !HostMemory.TryMadvise(_buffer, (nuint)Spec.Mem, MemoryAdvice.MADV_DONTNEED, out var dontneedErrno))
        {
            // A fresh buffer: whole-block DONTNEED frees the page tables, so stores fault huge pages.
            return "populate: DONTNEED " + Errno.Name(dontneedErrno);
        }

        var p = (byte*)_buffer;
        for (ulong offset = 0; offset < Spec.Mem; offset += PageBytes)
        {
            Volatile.Write(ref p[offset], 0x5A);
        }

        if (Spec.Thp is not null)
        {
            HugeBlocks = (int)(ProcSmaps.AnonHugePagesKiB((ulong)_buffer, Spec.Mem) >> 11);
        }

        return null;
    }

    /// <summary>
    /// Whether each pass reads the machine's TLB shootdown interrupts before and after
    /// (<see cref="HostTlbInterrupts"/>; outside the timed part, but it allocates).
    /// </summary>
    public bool CountTlbInterrupts { get; set; }

    /// <inheritdoc/>
    public PassResult RunPass(int batch, int maxRangesPerCall)
    {
        string? error;
        var interrupts = CountTlbInterrupts ? HostTlbInterrupts.Read() : -1;
        _siblings?.Run();
        var start = Stopwatch.GetTimestamp();
        if (batch == 0)
        {
            error = MadviseLoop();
        }
        else if (_pidfdError is not null)
        {
            return PassResult.Failed(_pidfdError);
        }
        else
        {
            error = VectorLoop(batch, maxRangesPerCall);
        }

        var end = Stopwatch.GetTimestamp();
        _siblings?.Park();
        var remote = interrupts >= 0 && HostTlbInterrupts.Read() is var after and >= 0 ? after - interrupts : -1;
        return error is null ? new PassResult(Timing.Nanoseconds(start, end), -1, -1, null, remote) : PassResult.Failed(error);
    }

    /// <inheritdoc/>
    public IMmapWriter CreateWriter(WriterKind kind) => new HostMmapWriter(kind);

    /// <summary>Unmaps the buffer, frees the array and closes the pidfd.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _siblings?.Dispose();
        foreach (var body in _siblingBodies)
        {
            body.Dispose();
        }

        HostMemory.TryMunmap(_buffer, (nuint)Spec.Mem, out _);
        NativeMemory.AlignedFree(_vector);
        _pidfd?.Dispose();
    }

    /// <summary>madvise() once per unit.</summary>
    private string? MadviseLoop()
    {
        var unit = (nint)Spec.Unit;
        var end = _buffer + (nint)Spec.Mem;
        for (var addr = _buffer; addr < end; addr += unit)
        {
            if (!HostMemory.TryMadvise(addr, (nuint)unit, Spec.Hint, out var errno))
            {
                return Errno.Name(errno);
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
                var ranges = new ReadOnlySpan<IoVec>(_vector + first + done, count);
                if (!HostMemory.TryProcessMadvise(_pidfdNumber, ranges, Spec.Hint, 0, out var advised, out var errno))
                {
                    return "process_madvise: " + Errno.Name(errno);
                }

                if (advised != (long)((ulong)count * Spec.Unit))
                {
                    return $"process_madvise: short ({advised} bytes)";
                }
            }
        }

        return null;
    }
}
