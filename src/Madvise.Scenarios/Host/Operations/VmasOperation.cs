namespace Madvise.Scenarios.Host;

/// <summary>The <c>vmas</c> step: u64 addr, u64 len → u32 n, n × (u64 start, u64 end, string perms, u32 k, k × string flag).</summary>
internal sealed class VmasOperation : RangeOperation
{
    /// <summary>Reply: the mappings that overlap the range (task <c>self</c> passes the runner's list).</summary>
    public List<MappingInfo> Mappings = [];

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.Vmas(Address, Length, Mappings);

    /// <inheritdoc/>
    public override void Reply(ref FrameCodec frame)
    {
        var n = Mappings.Count;
        frame.Count(ref n);
        for (var i = 0; i < n; i++)
        {
            var m = frame.IsReading ? new MappingInfo(0, 0, "", []) : Mappings[i];
            var (start, end, perms) = (m.Start, m.End, m.Perms);
            var flags = m.Flags.Count;
            frame.U64(ref start);
            frame.U64(ref end);
            frame.String(ref perms);
            frame.Count(ref flags);
            var names = frame.IsReading ? new string[flags] : null;
            for (var k = 0; k < flags; k++)
            {
                var flag = names is null ? m.Flags[k] : "";
                frame.String(ref flag);
                if (names is not null)
                {
                    names[k] = flag;
                }
            }

            if (names is not null)
            {
                Mappings.Add(new MappingInfo(start, end, perms, names));
            }
        }
    }
}
