using Madvise.Abi;

namespace Madvise.Kernel.Advice;

/// <summary>
/// An iterator over an imported iovec array (Linux: <c>struct iov_iter</c> of type ITER_IOVEC
/// or ITER_UBUF), with Linux's advance rule: after a segment is consumed, every following
/// zero-length segment is skipped too.
/// </summary>
internal struct IovIter
{
    private readonly IoVec[] _segments;
    private readonly int _count;
    private int _index;
    private ulong _offset;

    public IovIter(IoVec[] segments, int count, ulong total)
    {
        _segments = segments;
        _count = count;
        _index = 0;
        _offset = 0;
        Remaining = total;
    }

    /// <summary>Bytes not yet consumed (iov_iter_count).</summary>
    public ulong Remaining { get; private set; }

    /// <summary>Base address of the current segment, past the consumed part (iter_iov_addr).</summary>
    public readonly ulong CurrentBase => _segments[_index].Base + _offset;

    /// <summary>Unconsumed length of the current segment (iter_iov_len).</summary>
    public readonly ulong CurrentLength => _segments[_index].Len - _offset;

    /// <summary>iov_iter_advance(): consumes <paramref name="size"/> bytes.</summary>
    public void Advance(ulong size)
    {
        if (Remaining == 0)
        {
            return;
        }

        Remaining -= size;
        size += _offset;
        while (_index < _count && size >= _segments[_index].Len)
        {
            size -= _segments[_index].Len;
            _index++;
        }

        _offset = size;
    }
}
