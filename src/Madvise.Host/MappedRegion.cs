using System.Globalization;
using System.Runtime.InteropServices;
using Madvise.Abi;

namespace Madvise.Host;

/// <summary>
/// A page-aligned range of this process's address space that the holder owns: an mmap'd range
/// that is unmapped when the handle is released.
/// </summary>
/// <remarks>
/// <para>
/// The region is what makes advice safe to hand out: <see cref="Advise"/> and
/// <see cref="AdviceBatcher"/> accept only ranges inside it (anything else is an
/// <see cref="ArgumentException"/> before any system call), and they hold a reference on the
/// handle for the length of each call, so a concurrent <see cref="SafeHandle.Dispose()"/> defers
/// the munmap until the call is over. Without that, memory unmapped by one thread and mapped
/// again by another could be advised (DONTNEED zeroes it) on behalf of a stale owner.
/// </para>
/// <para>
/// Spans from <see cref="GetSpan"/> point into the mapping and must not be used after the region
/// is disposed, as with any native buffer.
/// </para>
/// </remarks>
public sealed class MappedRegion : SafeHandle
{
    /// <summary>Length in bytes, a whole number of pages; fixed at creation.</summary>
    private readonly nuint _length;

    private MappedRegion(nint address, nuint length, bool ownsHandle)
        : base(0, ownsHandle)
    {
        var start = (ulong)address;
        if (start == 0 || !PageSize.IsAligned(start))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A region starts at a non-zero page boundary, not 0x{start:x}."), nameof(address));
        }

        var pages = PageSize.PageAlign(length);
        if (length == 0 || pages == 0 || start + pages < start)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A region of {length} bytes at 0x{start:x} is empty or wraps."), nameof(length));
        }

        _length = (nuint)pages;
        SetHandle(address);
    }

    /// <summary>First address of the region.</summary>
    public nint Address => handle;

    /// <summary>Length in bytes (a whole number of pages).</summary>
    public nuint Length => _length;

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>
    /// mmap's a new region of at least <paramref name="length"/> bytes (private anonymous,
    /// read-write, unless told otherwise) that is unmapped when the region is disposed.
    /// </summary>
    /// <exception cref="MadviseException">mmap failed (ENOMEM, EINVAL ...).</exception>
    public static MappedRegion Allocate(
        nuint length,
        int prot = Prot.PROT_READ | Prot.PROT_WRITE,
        int flags = MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS,
        SafeHandle? file = null,
        long offset = 0)
    {
        var address = HostMemory.Mmap(0, length, prot, flags, file, offset);
        try
        {
            return new MappedRegion(address, length, ownsHandle: true);
        }
        catch
        {
            HostMemory.TryMunmap(address, length, out _);
            throw;
        }
    }

    /// <summary>
    /// A region over memory this process already has mapped, which the caller vouches for: the
    /// region checks only that the range is page-aligned, non-empty and does not wrap, not what
    /// lives there.
    /// </summary>
    /// <remarks>
    /// Everything a region hands out (<see cref="Advise"/>, <see cref="AdviceBatcher"/>,
    /// <see cref="GetSpan"/>) trusts this range. Name only memory your code mapped and controls:
    /// DONTNEED on a range that holds someone else's data (a pinned managed array, the runtime's
    /// heap, a library's mapping) zeroes it without an error. For new memory use
    /// <see cref="Allocate"/>, which maps the range itself.
    /// </remarks>
    /// <param name="address">Start of the mapping; page-aligned and not 0.</param>
    /// <param name="length">Length in bytes, rounded up to whole pages (mmap maps whole pages too).</param>
    /// <param name="unmapOnDispose">True to hand the mapping over: it is unmapped when the region is disposed.</param>
    /// <exception cref="ArgumentException">The address is 0 or unaligned, the length is 0, or the range wraps.</exception>
    public static MappedRegion FromExisting(nint address, nuint length, bool unmapOnDispose) =>
        new(address, length, unmapOnDispose);

    /// <summary>
    /// True when [<paramref name="address"/>, <paramref name="address"/> + <paramref name="length"/>)
    /// lies inside the region (a zero-length range may sit at either end).
    /// </summary>
    public bool Contains(nint address, nuint length)
    {
        // Subtract before comparing so that no sum can wrap past 2^64.
        var offset = unchecked((ulong)address - (ulong)handle);
        return (ulong)address >= (ulong)handle && offset <= _length && length <= _length - (nuint)offset;
    }

    /// <summary>The bytes at <paramref name="offset"/>, for reading and writing the region's memory.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The span would reach outside the region.</exception>
    /// <exception cref="ObjectDisposedException">The region was disposed.</exception>
    public unsafe Span<byte> GetSpan(nuint offset, int length)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset > _length || (nuint)length > _length - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), string.Create(CultureInfo.InvariantCulture, $"{length} bytes at offset {offset} reach outside the region of {_length} bytes."));
        }

        return new Span<byte>((void*)(handle + (nint)offset), length);
    }

    /// <summary>madvise(2) on one range inside the region.</summary>
    /// <exception cref="ArgumentException">The range is not inside the region; nothing was called.</exception>
    /// <exception cref="ObjectDisposedException">The region was disposed.</exception>
    /// <exception cref="MadviseException">The kernel refused (EINVAL for an unaligned start or a locked page, ...).</exception>
    public void Advise(nint address, nuint length, MemoryAdvice advice)
    {
        ThrowIfOutside(address, length);
        var added = false;
        try
        {
            DangerousAddRef(ref added);
            HostMemory.Madvise(address, length, advice);
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    /// <summary>
    /// madvise(2) on the range at <paramref name="offset"/> from the region's start: the same as
    /// <see cref="Advise"/> of <see cref="Address"/> + <paramref name="offset"/>, without the address arithmetic.
    /// </summary>
    /// <exception cref="ArgumentException">The range is not inside the region; nothing was called.</exception>
    /// <exception cref="ObjectDisposedException">The region was disposed.</exception>
    /// <exception cref="MadviseException">The kernel refused (EINVAL for an unaligned offset or a locked page, ...).</exception>
    public void AdviseAtOffset(nuint offset, nuint length, MemoryAdvice advice)
    {
        ThrowIfOffsetOutside(offset, length);
        Advise(handle + (nint)offset, length, advice);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless [offset, offset + length) is inside the region.</summary>
    internal void ThrowIfOffsetOutside(nuint offset, nuint length)
    {
        if (offset > _length || length > _length - offset)
        {
            throw new ArgumentException(string.Create(
                CultureInfo.InvariantCulture,
                $"[+0x{(ulong)offset:x}, +{length}) is not inside the region of {_length} bytes."));
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the range is inside the region.</summary>
    internal void ThrowIfOutside(nint address, nuint length)
    {
        if (!Contains(address, length))
        {
            ThrowOutside(address, length);
        }
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => HostSyscalls.Munmap((ulong)handle, _length) == 0;

    private void ThrowOutside(nint address, nuint length) =>
        throw new ArgumentException(string.Create(
            CultureInfo.InvariantCulture,
            $"[0x{(ulong)address:x}, +{length}) is not inside the region [0x{(ulong)handle:x}, +{_length})."));
}
