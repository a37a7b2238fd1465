namespace Madvise.Scenarios.Host;

/// <summary>
/// A set of disjoint, non-adjacent address ranges [start, end), kept sorted; adding merges,
/// removing splits. Used for the memory a scenario mapped in one task.
/// </summary>
/// <remarks>Not thread-safe: each task's executor uses it from one thread.</remarks>
internal sealed class RangeSet
{
    /// <summary>The ranges in address order; no two overlap or touch.</summary>
    private readonly List<(ulong Start, ulong End)> _ranges = [];

    /// <summary>Number of disjoint ranges.</summary>
    public int Count => _ranges.Count;

    /// <summary>The ranges in address order.</summary>
    public IReadOnlyList<(ulong Start, ulong End)> Ranges => _ranges;

    /// <summary>Adds [start, end); an empty range is ignored.</summary>
    public void Add(ulong start, ulong end)
    {
        if (end <= start)
        {
            return;
        }

        // Absorb every range that overlaps or touches the new one.
        var i = FirstEndingAtOrAfter(start);
        while (i < _ranges.Count && _ranges[i].Start <= end)
        {
            start = Math.Min(start, _ranges[i].Start);
            end = Math.Max(end, _ranges[i].End);
            _ranges.RemoveAt(i);
        }

        _ranges.Insert(i, (start, end));
    }

    /// <summary>Removes [start, end), splitting a range that straddles either edge.</summary>
    public void Remove(ulong start, ulong end)
    {
        if (end <= start)
        {
            return;
        }

        var i = FirstEndingAfter(start);
        while (i < _ranges.Count && _ranges[i].Start < end)
        {
            var (s, e) = _ranges[i];
            _ranges.RemoveAt(i);
            if (e > end)
            {
                _ranges.Insert(i, (end, e));
            }

            if (s < start)
            {
                _ranges.Insert(i, (s, start));
                i++;
            }
        }
    }

    /// <summary>True when every address of [start, end) is in the set (an empty range is covered).</summary>
    public bool Covers(ulong start, ulong end)
    {
        if (end <= start)
        {
            return true;
        }

        // Ranges never touch, so coverage needs a single range holding both edges.
        var i = FirstEndingAfter(start);
        return i < _ranges.Count && _ranges[i].Start <= start && _ranges[i].End >= end;
    }

    /// <summary>Removes every range.</summary>
    public void Clear() => _ranges.Clear();

    /// <summary>Index of the first range whose end is greater than <paramref name="address"/>.</summary>
    private int FirstEndingAfter(ulong address)
    {
        int lo = 0, hi = _ranges.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_ranges[mid].End > address)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>Index of the first range whose end is at or after <paramref name="address"/> (a range ending exactly there touches it).</summary>
    private int FirstEndingAtOrAfter(ulong address) => address == 0 ? 0 : FirstEndingAfter(address - 1);
}
