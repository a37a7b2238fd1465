using Madvise.Abi;

namespace Madvise.Scenarios.Tests.Running;

/// <summary>Materialising pmadvise vectors for targets.</summary>
public class VectorArgumentsTests
{
    [Fact]
    public void ListEntriesAndLength()
    {
        var v = new VectorArgument<ulong>.List([(0x1000, 1), (0x3000, 2)]);
        Assert.Equal(2UL, VectorArguments.Length(v));
        Assert.Equal([new IoVec(0x1000, 1), new IoVec(0x3000, 2)], VectorArguments.BuildEntries(v));
        Assert.Empty(VectorArguments.BuildEntries(new VectorArgument<ulong>.List([])));
    }

    [Fact]
    public void SeqBuildsStridedEntriesWithWrapping()
    {
        var v = new VectorArgument<ulong>.Seq(ulong.MaxValue - 0xFFF, 0x1000, 0x1000, 3);
        Assert.Equal([new IoVec(ulong.MaxValue - 0xFFF, 0x1000), new IoVec(0, 0x1000), new IoVec(0x1000, 0x1000)], VectorArguments.BuildEntries(v));
        Assert.Equal(3UL, VectorArguments.Length(v));
    }

    [Theory]
    [InlineData(0UL, 0)]
    [InlineData(1024UL, 1024)]
    [InlineData(1025UL, 1025)]
    [InlineData(1026UL, 1025)]
    [InlineData(ulong.MaxValue, 1025)]
    public void SeqCountPassesThroughButAtMost1025EntriesAreBuilt(ulong count, int built)
    {
        var v = new VectorArgument<ulong>.Seq(0, 1, 1, count);
        Assert.Equal(count, VectorArguments.Length(v));
        var entries = VectorArguments.BuildEntries(v);
        Assert.Equal(built, entries.Length);
        if (built > 0)
        {
            Assert.Equal((ulong)(built - 1), entries[^1].Base);
        }
    }

    [Fact]
    public void BadPointerHasNoEntries()
    {
        var v = new VectorArgument<ulong>.BadPointer(17);
        Assert.Equal(17UL, VectorArguments.Length(v));
        Assert.Empty(VectorArguments.BuildEntries(v));
    }
}
