using System.Globalization;
using Madvise.Abi;

namespace Madvise.Host;

/// <summary>
/// Collects ranges of one <see cref="MappedRegion"/> and advises them in as few system calls as
/// it can: neighbouring and overlapping ranges are merged, and the merged ranges go to the kernel
/// in vectors of up to IOV_MAX through process_madvise(2) on a pidfd of this process, or range by
/// range through madvise(2) where the kernel refuses process_madvise.
/// </summary>
/// <remarks>
/// <para>
/// <b>Ordering.</b> <see cref="Flush"/> advises the union of the ranges added since the last
/// flush, each page once, in ascending address order, not in the order of <see cref="Add"/>: two
/// overlapping adds are one advice, and an add is not advised before the flush. Every madvise
/// behaviour that releases or hints memory (DONTNEED, FREE, COLD, PAGEOUT, WILLNEED ...) means
/// the same for the union as for its parts; a caller that needs several behaviours in a fixed
/// order uses one batcher per behaviour and flushes them in that order.
/// </para>
/// <para>
/// <b>Submission.</b> Each process_madvise call carries at most
/// <see cref="AdviceBatcherOptions.MaxRangesPerCall"/> ranges and
/// <see cref="AdviceBatcherOptions.MaxBytesPerCall"/> bytes, which bounds how long one call holds
/// the mmap_lock; a merged range larger than the byte cap is advised in pieces. process_madvise
/// reports the bytes of the ranges that completed before the first failure (and drops the
/// error); the batcher resumes at the first range not completed, retrying it whole (a range may
/// have been partly advised, and advising it again is what madvise allows), so a lasting error
/// surfaces on the next call as that range's errno. EINTR and EAGAIN without progress are
/// retried up to <see cref="AdviceBatcherOptions.MaxTransientRetries"/> times.
/// </para>
/// <para>
/// <b>Fallback.</b> When process_madvise answers ENOSYS (kernel before 5.10, or a seccomp
/// filter), or EPERM or EINVAL for a range that madvise then accepts (seccomp; a kernel before
/// 6.13, which takes only COLD, PAGEOUT, WILLNEED and COLLAPSE through process_madvise), or
/// pidfd_open fails at construction, the batcher switches to madvise for the rest of its life
/// (<see cref="UsesProcessMadvise"/>, <see cref="FallbackErrno"/>). madvise calls obey the byte
/// cap too.
/// </para>
/// <para>
/// <b>Errors.</b> A range the kernel refuses ends <see cref="Flush"/> with a
/// <see cref="MadviseException"/> carrying the errno and the range
/// (<see cref="MadviseException.Range"/>). The ranges below it were advised; the failing range
/// may be partly advised and is dropped; the ranges above it stay pending for the next
/// <see cref="Flush"/> (or <see cref="Clear"/>).
/// </para>
/// <para>
/// <b>Cost.</b> Adds and flushes allocate nothing once the range array has grown to the
/// largest batch; adds in ascending order merge on the fly, so adjacent adds take one slot.
/// </para>
/// <para>
/// <b>Threads.</b> Not thread-safe: use one batcher per thread, or a lock around it. Misuse is
/// detected, not undefined: a call that starts while another thread is inside
/// <see cref="Add"/>, <see cref="Flush"/>, <see cref="Clear"/> or <see cref="Dispose"/> throws
/// <see cref="InvalidOperationException"/> and changes nothing. Whatever the caller does, no
/// system call names memory outside the region: every range is checked against the region
/// again right before the call that carries it, while a reference on the region keeps it mapped.
/// </para>
/// </remarks>
public sealed partial class AdviceBatcher : IDisposable
{
    /// <summary>
    /// Orders ranges by base address. A cached delegate: a struct comparer would be boxed by
    /// <see cref="MemoryExtensions.Sort{T, TComparer}(Span{T}, TComparer)"/>, once per sort.
    /// </summary>
    private static readonly Comparison<IoVec> ByBase = static (x, y) => x.Base.CompareTo(y.Base);

    /// <summary>The region every added range must lie in; not owned (the caller disposes it).</summary>
    private readonly MappedRegion _region;

    /// <summary>The madvise behaviour number applied by every flush.</summary>
    private readonly MemoryAdvice _advice;

    /// <summary>The kernel, or a test's stand-in.</summary>
    private readonly IAdviceSyscalls _syscalls;

    /// <summary>A pidfd of this process for process_madvise; null when not opened (option off, or pidfd_open refused).</summary>
    private readonly SafePidfdHandle? _pidfd;

    /// <summary>Most ranges per process_madvise call (1..IOV_MAX).</summary>
    private readonly int _maxRanges;

    /// <summary>Most bytes per call, whole pages, at most MAX_RW_COUNT.</summary>
    private readonly ulong _maxBytes;

    /// <summary>Repeats of one call after EINTR/EAGAIN without progress before giving up.</summary>
    private readonly int _maxRetries;

    /// <summary>
    /// Pending ranges, page-aligned bases and page-rounded lengths, in slots [0, _count). While
    /// <see cref="_sorted"/> holds they are also ascending, disjoint and non-adjacent.
    /// </summary>
    private IoVec[] _pending;

    /// <summary>Slots of <see cref="_pending"/> in use.</summary>
    private int _count;

    /// <summary>True while the pending ranges are ascending, disjoint and non-adjacent (no sort or merge needed before submitting).</summary>
    private bool _sorted = true;

    /// <summary>True until the kernel refuses process_madvise (then madvise per range).</summary>
    private bool _useProcessMadvise;

    /// <summary>The errno that made the batcher fall back to madvise; 0 while it has not.</summary>
    private int _fallbackErrno;

    /// <summary>System calls made by flushes, failed ones included.</summary>
    private long _systemCalls;

    /// <summary>Set by <see cref="Dispose"/>.</summary>
    private bool _disposed;

    /// <summary>
    /// 1 while a thread is inside a public method that reads or changes the batch, else 0. Taken
    /// with an interlocked exchange on entry, so a second thread finds it set and throws instead
    /// of racing on <see cref="_pending"/> and <see cref="_count"/> (which corrupted ranges before).
    /// </summary>
    private int _inUse;

    /// <summary>A batcher for <paramref name="advice"/> on ranges of <paramref name="region"/>.</summary>
    /// <param name="region">The memory the ranges must lie in. The batcher does not dispose it.</param>
    /// <param name="advice">A madvise behaviour number (<see cref="MemoryAdvice"/>).</param>
    /// <param name="options">Caps and switches; <see cref="AdviceBatcherOptions.Default"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public AdviceBatcher(MappedRegion region, MemoryAdvice advice, AdviceBatcherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(region);
        options ??= AdviceBatcherOptions.Default;
        _maxBytes = options.Validate();
        _region = region;
        _advice = advice;
        _syscalls = options.Syscalls ?? HostAdviceSyscalls.Instance;
        _maxRanges = options.MaxRangesPerCall;
        _maxRetries = options.MaxTransientRetries;
        _pending = new IoVec[options.InitialCapacity];

        if (options.UseProcessMadvise)
        {
            // A pidfd rather than the PIDFD_SELF sentinel: pidfds work from 5.10, the sentinel from 6.15.
            if (SafePidfdHandle.TryOpen(HostSyscalls.GetPid(), 0, out var pidfd, out var errno))
            {
                _pidfd = pidfd;
                _useProcessMadvise = true;
            }
            else
            {
                _fallbackErrno = errno;
            }
        }
    }

    /// <summary>The region the ranges lie in.</summary>
    public MappedRegion Region => _region;

    /// <summary>The behaviour number every flush applies.</summary>
    public MemoryAdvice Advice => _advice;

    /// <summary>Ranges waiting for <see cref="Flush"/>, counted after the merging <see cref="Add"/> does on the fly.</summary>
    public int PendingRanges => _count;

    /// <summary>True while flushes go through process_madvise; false once the batcher has fallen back to madvise.</summary>
    public bool UsesProcessMadvise => _useProcessMadvise;

    /// <summary>
    /// Why the batcher uses madvise: the errno process_madvise (or pidfd_open) answered, e.g.
    /// ENOSYS; 0 when it still uses process_madvise or was told not to by its options.
    /// </summary>
    public int FallbackErrno => _fallbackErrno;

    /// <summary>System calls made by all flushes so far, failed ones included.</summary>
    public long SystemCalls => _systemCalls;

    /// <summary>
    /// Adds [<paramref name="address"/>, <paramref name="address"/> + <paramref name="length"/>)
    /// to the next flush; the length is rounded up to whole pages, as madvise does. A zero
    /// length adds nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The range is not inside the region, or the address is not page-aligned.</exception>
    /// <exception cref="ObjectDisposedException">The batcher or the region was disposed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is using the batcher.</exception>
    public void Add(nint address, nuint length)
    {
        Enter();
        try
        {
            AddLocked(address, length);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Adds the range at <paramref name="offset"/> from the region's start: the same as
    /// <see cref="Add"/> of <see cref="MappedRegion.Address"/> + <paramref name="offset"/>, without
    /// the address arithmetic.
    /// </summary>
    /// <exception cref="ArgumentException">The range is not inside the region, or the offset is not page-aligned.</exception>
    /// <exception cref="ObjectDisposedException">The batcher or the region was disposed.</exception>
    public void AddAtOffset(nuint offset, nuint length)
    {
        _region.ThrowIfOffsetOutside(offset, length);
        Add(_region.Address + (nint)offset, length);
    }

    /// <summary>
    /// Advises every pending range (see the ordering and error rules on <see cref="AdviceBatcher"/>)
    /// and empties the batch.
    /// </summary>
    /// <returns>Bytes advised, counted in whole pages.</returns>
    /// <exception cref="MadviseException">The kernel refused a range; the exception names it and its errno.</exception>
    /// <exception cref="ObjectDisposedException">The batcher or the region was disposed (the ranges stay pending).</exception>
    /// <exception cref="InvalidOperationException">Another thread is using the batcher.</exception>
    public long Flush()
    {
        Enter();
        try
        {
            return FlushLocked();
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Drops the pending ranges without advising them.</summary>
    /// <exception cref="InvalidOperationException">Another thread is using the batcher.</exception>
    public void Clear()
    {
        Enter();
        _count = 0;
        _sorted = true;
        Exit();
    }

    /// <summary>Closes the pidfd. Pending ranges are dropped, not flushed; the region stays mapped.</summary>
    /// <exception cref="InvalidOperationException">Another thread is using the batcher.</exception>
    public void Dispose()
    {
        Enter();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _count = 0;
            _pidfd?.Dispose();
        }
        finally
        {
            Exit();
        }
    }

    /// <summary><see cref="Add"/>, with the batch held by this thread.</summary>
    private void AddLocked(nint address, nuint length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ObjectDisposedException.ThrowIf(_region.IsClosed, _region);
        _region.ThrowIfOutside(address, length);
        var start = (ulong)address;
        if (!PageSize.IsAligned(start))
        {
            ThrowUnaligned(address);
        }

        if (length == 0)
        {
            return;
        }

        // Inside a page-aligned region, so rounding up cannot leave it or wrap.
        var len = PageSize.PageAlign(length);
        if (_count > 0)
        {
            ref var last = ref _pending[_count - 1];
            if (start >= last.Base)
            {
                var lastEnd = last.Base + last.Len;
                if (start <= lastEnd)
                {
                    var end = start + len;
                    if (end > lastEnd)
                    {
                        last = new IoVec(last.Base, end - last.Base);
                    }

                    return;
                }
            }
            else
            {
                _sorted = false;
            }
        }

        if (_count == _pending.Length)
        {
            Array.Resize(ref _pending, _pending.Length * 2);
        }

        _pending[_count++] = new IoVec(start, len);
    }

    /// <summary><see cref="Flush"/>, with the batch held by this thread.</summary>
    private long FlushLocked()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_count == 0)
        {
            return 0;
        }

        if (!_sorted)
        {
            SortAndMerge();
        }

        var regionAdded = false;
        var pidfdAdded = false;
        try
        {
            // The reference keeps the region mapped until the last call returns, even if another
            // thread disposes it meanwhile.
            _region.DangerousAddRef(ref regionAdded);
            if (_useProcessMadvise)
            {
                _pidfd!.DangerousAddRef(ref pidfdAdded);
            }

            return SubmitAll();
        }
        finally
        {
            if (pidfdAdded)
            {
                _pidfd!.DangerousRelease();
            }

            if (regionAdded)
            {
                _region.DangerousRelease();
            }
        }
    }

    /// <summary>Takes the batch for this call; throws when another thread holds it.</summary>
    private void Enter()
    {
        if (Interlocked.Exchange(ref _inUse, 1) != 0)
        {
            throw new InvalidOperationException("AdviceBatcher is not thread-safe: another thread is using it (use one batcher per thread, or a lock around it).");
        }
    }

    /// <summary>Releases the batch taken by <see cref="Enter"/>.</summary>
    private void Exit() => Volatile.Write(ref _inUse, 0);

    /// <summary>
    /// The last check before a system call: every range of <paramref name="vector"/> lies inside
    /// the region, which the caller holds a reference on. A range outside it can only come from a
    /// bug in this class; it throws rather than advise memory the region does not own.
    /// </summary>
    private void CheckInsideRegion(ReadOnlySpan<IoVec> vector)
    {
        foreach (var range in vector)
        {
            if (!_region.Contains((nint)range.Base, (nuint)range.Len))
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"AdviceBatcher refused to advise [0x{range.Base:x}, +{range.Len}) outside its region [0x{(ulong)_region.Address:x}, +{_region.Length}); nothing was called for it."));
            }
        }
    }

    /// <summary>Submits the pending ranges from the first; empties the batch when all are done.</summary>
    private long SubmitAll()
    {
        long advised = 0;
        var next = 0;
        var attempts = 0;
        while (next < _count)
        {
            next = _useProcessMadvise
                ? SubmitVector(next, ref advised, ref attempts)
                : SubmitOne(next, ref advised, ref attempts);
        }

        _count = 0;
        return advised;
    }

    /// <summary>One process_madvise call from slot <paramref name="first"/>; returns the slot to continue at.</summary>
    private int SubmitVector(int first, ref long advised, ref int attempts)
    {
        var head = _pending[first];
        var split = head.Len > _maxBytes;
        scoped ReadOnlySpan<IoVec> vector;
        if (split)
        {
            head = new IoVec(head.Base, _maxBytes);
            vector = new ReadOnlySpan<IoVec>(in head);
        }
        else
        {
            var n = 1;
            var bytes = head.Len;
            while (n < _maxRanges && first + n < _count && _pending[first + n].Len <= _maxBytes - bytes)
            {
                bytes += _pending[first + n].Len;
                n++;
            }

            vector = new ReadOnlySpan<IoVec>(_pending, first, n);
        }

        CheckInsideRegion(vector);
        _systemCalls++;
        var r = _syscalls.ProcessMadvise(_pidfd!.Fd, vector, _advice);
        if (r > 0)
        {
            // The sum of the ranges that completed, in order; a remainder inside a range means
            // that range did not complete.
            var covered = (ulong)r;
            var done = 0;
            while (done < vector.Length && covered >= vector[done].Len)
            {
                covered -= vector[done].Len;
                done++;
            }

            if (done > 0)
            {
                attempts = 0;
                advised += r - (long)covered;
                return Advance(first, split, head.Len, done);
            }

            return Retry(first, split, head, Errno.EAGAIN, "process_madvise", ref attempts);
        }

        var errno = (int)-r;
        switch (errno)
        {
            case 0 or Errno.EINTR or Errno.EAGAIN:
                return Retry(first, split, head, errno == 0 ? Errno.EAGAIN : errno, "process_madvise", ref attempts);

            case Errno.ENOSYS:
                FallBack(errno);
                return first;

            case Errno.EPERM or Errno.EINVAL:
                // Both are also what madvise says about a bad range (a sealed VMA, a locked page),
                // so madvise decides: if it accepts the range, process_madvise refused the call.
                _systemCalls++;
                var m = _syscalls.Madvise(head.Base, head.Len, _advice);
                if (m >= 0)
                {
                    FallBack(errno);
                    attempts = 0;
                    advised += (long)head.Len;
                    return Advance(first, split, head.Len, 1);
                }

                var madviseErrno = (int)-m;
                if (madviseErrno is Errno.EINTR or Errno.EAGAIN)
                {
                    return Retry(first, split, head, madviseErrno, "madvise", ref attempts);
                }

                throw Fail(first, split, head, madviseErrno, "madvise");

            default:
                throw Fail(first, split, head, errno, "process_madvise");
        }
    }

    /// <summary>One madvise call on slot <paramref name="first"/> (or its next piece); returns the slot to continue at.</summary>
    private int SubmitOne(int first, ref long advised, ref int attempts)
    {
        var head = _pending[first];
        var split = head.Len > _maxBytes;
        if (split)
        {
            head = new IoVec(head.Base, _maxBytes);
        }

        CheckInsideRegion(new ReadOnlySpan<IoVec>(in head));
        _systemCalls++;
        var r = _syscalls.Madvise(head.Base, head.Len, _advice);
        if (r >= 0)
        {
            attempts = 0;
            advised += (long)head.Len;
            return Advance(first, split, head.Len, 1);
        }

        var errno = (int)-r;
        if (errno is Errno.EINTR or Errno.EAGAIN)
        {
            return Retry(first, split, head, errno, "madvise", ref attempts);
        }

        throw Fail(first, split, head, errno, "madvise");
    }

    /// <summary>
    /// Past <paramref name="done"/> completed slots from <paramref name="first"/>, or, for a piece
    /// of a split slot, past the piece (the slot keeps its unadvised rest).
    /// </summary>
    private int Advance(int first, bool split, ulong pieceLength, int done)
    {
        if (!split)
        {
            return first + done;
        }

        var slot = _pending[first];
        _pending[first] = new IoVec(slot.Base + pieceLength, slot.Len - pieceLength);
        return first;
    }

    /// <summary>Counts a call that made no progress; throws once the retries are used up, else returns the same slot.</summary>
    private int Retry(int first, bool split, IoVec head, int errno, string call, ref int attempts)
    {
        if (++attempts > _maxRetries)
        {
            throw Fail(first, split, head, errno, call);
        }

        return first;
    }

    /// <summary>Remembers that process_madvise is refused; later calls use madvise.</summary>
    private void FallBack(int errno)
    {
        _useProcessMadvise = false;
        _fallbackErrno = errno;
    }

    /// <summary>
    /// Drops the completed slots and the failing range <paramref name="head"/>, keeps what lies
    /// above it pending, and builds the exception for it.
    /// </summary>
    private MadviseException Fail(int first, bool split, IoVec head, int errno, string call)
    {
        var keepFrom = first + 1;
        if (split)
        {
            var slot = _pending[first];
            _pending[first] = new IoVec(slot.Base + head.Len, slot.Len - head.Len);
            keepFrom = first;
        }

        var kept = _count - keepFrom;
        Array.Copy(_pending, keepFrom, _pending, 0, kept);
        _count = kept;

        var name = MemoryAdviceNames.Name(_advice) ?? ((int)_advice).ToString(CultureInfo.InvariantCulture);
        var operation = call == "madvise"
            ? string.Create(CultureInfo.InvariantCulture, $"madvise(0x{head.Base:x}, {head.Len}, {name})")
            : string.Create(CultureInfo.InvariantCulture, $"process_madvise({_pidfd?.Fd}, [0x{head.Base:x}, +{head.Len}], {name})");
        return new MadviseException(operation, errno, head);
    }

    /// <summary>Sorts the pending ranges by base and merges overlapping and adjacent ones.</summary>
    private void SortAndMerge()
    {
        var ranges = _pending.AsSpan(0, _count);
        ranges.Sort(ByBase);
        var kept = 0;
        var end = ranges[0].Base + ranges[0].Len;
        for (var i = 1; i < ranges.Length; i++)
        {
            var next = ranges[i];
            if (next.Base <= end)
            {
                end = Math.Max(end, next.Base + next.Len);
                continue;
            }

            ranges[kept] = new IoVec(ranges[kept].Base, end - ranges[kept].Base);
            ranges[++kept] = next;
            end = next.Base + next.Len;
        }

        ranges[kept] = new IoVec(ranges[kept].Base, end - ranges[kept].Base);
        _count = kept + 1;
        _sorted = true;
    }

    private static void ThrowUnaligned(nint address) =>
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Advice starts on a page boundary, not at 0x{(ulong)address:x}."), nameof(address));
}
