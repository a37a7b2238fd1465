using Madvise.Compaction.Planning;

namespace Madvise.Compaction.Sizing;

/// <summary>
/// A position in a phase's ranges: range <see cref="Index"/>, <see cref="Offset"/> bytes into it.
/// Advances as calls consume bytes (Android: consumeBytes() on a VmaBatch).
/// </summary>
public struct PlanCursor
{
    /// <summary>The range the next byte is in.</summary>
    public int Index;

    /// <summary>Bytes of that range already consumed.</summary>
    public ulong Offset;

    /// <summary>True once every range is consumed.</summary>
    public readonly bool AtEnd(ReadOnlySpan<PlannedRange> ranges) => Index >= ranges.Length;

    /// <summary>The unconsumed part of the current range. Precondition: not at the end.</summary>
    public readonly PlannedRange Current(ReadOnlySpan<PlannedRange> ranges)
    {
        var r = ranges[Index];
        return r with { Start = r.Start + Offset };
    }

    /// <summary>Consumes <paramref name="bytes"/> in order across ranges; returns the bytes consumed (less at the end).</summary>
    public ulong Consume(ReadOnlySpan<PlannedRange> ranges, ulong bytes)
    {
        ulong done = 0;
        while (done < bytes && Index < ranges.Length)
        {
            var left = ranges[Index].Length - Offset;
            var take = Math.Min(left, bytes - done);
            done += take;
            Offset += take;
            if (Offset == ranges[Index].Length)
            {
                Index++;
                Offset = 0;
            }
        }

        return done;
    }

    /// <summary>True when this position is at or after <paramref name="other"/>.</summary>
    public readonly bool IsAtOrAfter(PlanCursor other) => Index > other.Index || (Index == other.Index && Offset >= other.Offset);
}
