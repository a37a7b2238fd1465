using Madvise.Compaction.Planning;

namespace Madvise.Compaction.Sizing;

/// <summary>
/// Android's batching (com_android_server_am_CachedAppOptimizer.cpp VmaBatchCreator::createNextBatch()):
/// a batch takes ranges in order until it holds <c>maxRanges</c> of them or <c>maxBytes</c>, the last
/// one cut where the byte cap falls; calls send what is left of the batch until it is consumed, then
/// the next batch starts where it ended.
/// </summary>
public sealed class FixedBatchSizer : IVectorSizer
{
    /// <summary>Ranges per batch.</summary>
    private readonly int _maxRanges;

    /// <summary>Bytes per batch.</summary>
    private readonly ulong _maxBytes;

    /// <summary>The phase the batch belongs to.</summary>
    private CompactionPhase? _phase;

    /// <summary>Where the current batch ends.</summary>
    private PlanCursor _batchEnd;

    /// <summary>Creates the sizer.</summary>
    public FixedBatchSizer(int maxRanges, ulong maxBytes)
    {
        _maxRanges = Math.Clamp(maxRanges, 1, IoVec.UIO_MAXIOV);
        _maxBytes = Math.Clamp(maxBytes, PageSize.PAGE_SIZE, IoVec.MAX_RW_COUNT) & PageSize.PAGE_MASK;
    }

    /// <inheritdoc/>
    public int Fill(CompactionPhase phase, PlanCursor cursor, Span<IoVec> vector, out VectorShape shape)
    {
        ArgumentNullException.ThrowIfNull(phase);
        var ranges = phase.Ranges.AsSpan();
        shape = default;
        if (cursor.AtEnd(ranges))
        {
            return 0;
        }

        if (!ReferenceEquals(_phase, phase) || cursor.IsAtOrAfter(_batchEnd))
        {
            _phase = phase;
            _batchEnd = NextBatchEnd(ranges, cursor);
        }

        var count = 0;
        var at = cursor;
        while (!at.AtEnd(ranges) && !at.IsAtOrAfter(_batchEnd))
        {
            var r = at.Current(ranges);
            var end = at.Index == _batchEnd.Index ? ranges[at.Index].Start + _batchEnd.Offset : r.End;
            vector[count++] = new IoVec(r.Start, end - r.Start);
            shape = shape.Add(end - r.Start, r.Reserved);
            at.Consume(ranges, end - r.Start);
        }

        return count;
    }

    /// <inheritdoc/>
    public void Observe(in CallObservation observation)
    {
        // Fixed sizes: nothing to learn.
    }

    /// <summary>Where a batch starting at <paramref name="from"/> ends.</summary>
    private PlanCursor NextBatchEnd(ReadOnlySpan<PlannedRange> ranges, PlanCursor from)
    {
        var at = from;
        ulong bytes = 0;
        for (var n = 0; n < _maxRanges && !at.AtEnd(ranges); n++)
        {
            var left = ranges[at.Index].Length - at.Offset;
            var take = Math.Min(left, _maxBytes - bytes);
            bytes += take;
            at.Consume(ranges, take);
            if (bytes >= _maxBytes)
            {
                break;
            }
        }

        return at;
    }
}
