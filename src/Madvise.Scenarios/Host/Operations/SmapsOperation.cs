namespace Madvise.Scenarios.Host;

/// <summary>The <c>smaps</c> step: u64 addr, u64 len → u32 n, n × (u64 start, u64 end, i64 rss, i64 anonymous, i64 anonHugePages, i64 lazyFree, i64 swap, i64 locked).</summary>
internal sealed class SmapsOperation : RangeOperation
{
    /// <summary>Reply: the counters of the mappings that overlap the range (task <c>self</c> passes the runner's list).</summary>
    public List<SmapsInfo> Mappings = [];

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.Smaps(Address, Length, Mappings);

    /// <inheritdoc/>
    public override void Reply(ref FrameCodec frame)
    {
        var n = Mappings.Count;
        frame.Count(ref n);
        for (var i = 0; i < n; i++)
        {
            var m = frame.IsReading ? new SmapsInfo(0, 0, 0, 0, 0, 0, 0, 0) : Mappings[i];
            var (start, end, rss, anonymous, huge, lazy, swap, locked) = (m.Start, m.End, m.Rss, m.Anonymous, m.AnonHugePages, m.LazyFree, m.Swap, m.Locked);
            frame.U64(ref start);
            frame.U64(ref end);
            frame.I64(ref rss);
            frame.I64(ref anonymous);
            frame.I64(ref huge);
            frame.I64(ref lazy);
            frame.I64(ref swap);
            frame.I64(ref locked);
            if (frame.IsReading)
            {
                Mappings.Add(new SmapsInfo(start, end, rss, anonymous, huge, lazy, swap, locked));
            }
        }
    }
}
