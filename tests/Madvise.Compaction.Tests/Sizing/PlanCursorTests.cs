using Madvise.Compaction.Planning;
using Madvise.Compaction.Sizing;

namespace Madvise.Compaction.Tests.Sizing;

public class PlanCursorTests
{
    private const ulong P = PageSize.PAGE_SIZE;

    private static readonly PlannedRange[] Ranges =
    [
        new(0x10000, 0x10000 + (2 * P), false),
        new(0x20000, 0x20000 + (3 * P), true),
    ];

    [Fact]
    public void ConsumesAcrossRangesAndStopsAtTheEnd()
    {
        var c = default(PlanCursor);
        Assert.Equal(3 * P, c.Consume(Ranges, 3 * P));
        Assert.Equal((1, P), (c.Index, c.Offset));
        Assert.Equal(new PlannedRange(0x20000 + P, 0x20000 + (3 * P), true), c.Current(Ranges));
        Assert.Equal(2 * P, c.Consume(Ranges, 10 * P));
        Assert.True(c.AtEnd(Ranges));
    }

    [Fact]
    public void OrdersPositions()
    {
        var a = new PlanCursor { Index = 1, Offset = P };
        Assert.True(a.IsAtOrAfter(new PlanCursor { Index = 1, Offset = P }));
        Assert.True(a.IsAtOrAfter(new PlanCursor { Index = 0, Offset = 5 * P }));
        Assert.False(a.IsAtOrAfter(new PlanCursor { Index = 1, Offset = 2 * P }));
    }
}
