using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;
using static Madvise.Abi.PageSize;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>Queries and walks allocate nothing; a modification allocates only the path it copies.</summary>
public sealed class VmaTreeAllocationTests
{
    /// <summary>Items in the tree: deep enough (height about 17) that a per-level allocation would show.</summary>
    private const int Items = 1 << 16;

    /// <summary>Three-page slots, each holding a two-page range.</summary>
    private readonly VmaTree<TestRange> _tree = new();

    public VmaTreeAllocationTests()
    {
        for (var i = 0; i < Items; i++)
        {
            _tree.Insert(TestRange.Pages((ulong)(3 * i), 2));
        }
    }

    /// <summary>Runs every query and walk kind over a spread of addresses; returns a checksum so nothing is optimised away.</summary>
    private ulong QueryAll()
    {
        ulong sum = 0;
        var snapshot = _tree.Snapshot;
        for (var page = 0UL; page < 3 * Items; page += 97)
        {
            var addr = page * PAGE_SIZE;
            sum += _tree.Find(addr)?.Start ?? 0;
            sum += _tree.FindContaining(addr)?.Start ?? 0;
            sum += snapshot.FindIntersection(addr, addr + PAGE_SIZE)?.Start ?? 0;
            sum += snapshot.Prev(addr)?.Start ?? 0;
            sum += snapshot.NextAfter(addr)?.Start ?? 0;
        }

        foreach (var item in _tree)
        {
            sum += item.End;
        }

        var steps = 0;
        foreach (var item in snapshot.From(Items * PAGE_SIZE))
        {
            sum += item.Start;
            if (++steps == 1000)
            {
                break;
            }
        }

        return sum;
    }

    [Fact]
    public void QueriesAndWalksDoNotAllocate()
    {
        var expected = QueryAll();   // warm up: JIT, type loading
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = QueryAll();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected, sum);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ModificationsAllocateOnlyTheirPath()
    {
        var extra = TestRange.Pages(3 * Items, 1);
        var replacement = TestRange.Pages(3 * Items, 2);
        _tree.Insert(TestRange.Pages(3 * Items + 10, 1));   // warm up

        // Copied nodes per operation: one per level of the path plus at most two per rotation;
        // a node is an object header, a method table pointer and 40 bytes of fields.
        var height = _tree.HeightForTests;
        long nodeBytes = 8 + 8 + 40;
        var bound = nodeBytes * (3 * (height + 1));

        var before = GC.GetAllocatedBytesForCurrentThread();
        _tree.Insert(extra);
        var insert = GC.GetAllocatedBytesForCurrentThread() - before;

        before = GC.GetAllocatedBytesForCurrentThread();
        _tree.Replace(extra, replacement);
        var replace = GC.GetAllocatedBytesForCurrentThread() - before;

        before = GC.GetAllocatedBytesForCurrentThread();
        _tree.Remove(replacement);
        var remove = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(insert <= bound, $"insert allocated {insert} bytes; bound {bound} for height {height}");
        Assert.True(replace <= nodeBytes * height, $"replace allocated {replace} bytes; bound {nodeBytes * height}");
        Assert.True(remove <= bound, $"remove allocated {remove} bytes; bound {bound} for height {height}");
        _tree.Validate();
    }
}
