using Madvise.Compaction.Engine;

namespace Madvise.Compaction.Tests.Shared;

/// <summary>Clocks that move only when a scripted target says a call took time.</summary>
internal sealed class FakeClock : ICompactionClock
{
    /// <summary>Wall nanoseconds.</summary>
    public long Wall { get; set; }

    /// <summary>CPU nanoseconds of the compacting thread.</summary>
    public long Cpu { get; set; }

    /// <summary>Advances both clocks by <paramref name="cpu"/>, and the wall clock by <paramref name="extraWall"/> more (preemption, lock waits).</summary>
    public void Advance(long cpu, long extraWall = 0)
    {
        Cpu += cpu;
        Wall += cpu + extraWall;
    }

    /// <inheritdoc/>
    public long WallNanoseconds() => Wall;

    /// <inheritdoc/>
    public long ThreadCpuNanoseconds() => Cpu;
}
