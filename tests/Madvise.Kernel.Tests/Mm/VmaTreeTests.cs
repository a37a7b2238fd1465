using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Reclaim;
using Madvise.Kernel.Mm.Vmas;
using static Madvise.Abi.PageSize;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>Boundary behaviour of each query, modification errors, in-place End changes and Validate.</summary>
public sealed class VmaTreeTests
{
    // The fixture, one character per page:
    //
    //   page  0123456789abcdef
    //           AA  BBB   C
    /// <summary>Pages 0x2..0x3.</summary>
    private readonly TestRange _a = TestRange.Pages(0x2, 2);

    /// <summary>Pages 0x6..0x8.</summary>
    private readonly TestRange _b = TestRange.Pages(0x6, 3);

    /// <summary>Page 0xc.</summary>
    private readonly TestRange _c = TestRange.Pages(0xc, 1);

    /// <summary>The tree holding A, B and C.</summary>
    private readonly VmaTree<TestRange> _tree = new();

    public VmaTreeTests()
    {
        _tree.Insert(_b);
        _tree.Insert(_c);
        _tree.Insert(_a);
    }

    /// <summary>The items of a version in enumeration order.</summary>
    internal static List<TestRange> Items(VmaTreeSnapshot<TestRange> snapshot)
    {
        var list = new List<TestRange>();
        foreach (var item in snapshot)
        {
            list.Add(item);
        }

        return list;
    }

    /// <summary>The items a From walk yields.</summary>
    internal static List<TestRange> Items(VmaTree<TestRange>.RangeEnumerable range)
    {
        var list = new List<TestRange>();
        foreach (var item in range)
        {
            list.Add(item);
        }

        return list;
    }

    [Fact]
    public void EmptyTreeAnswersNothing()
    {
        var tree = new VmaTree<TestRange>();
        Assert.Equal(0, tree.Count);
        Assert.True(tree.Snapshot.IsEmpty);
        Assert.Null(tree.Find(0));
        Assert.Null(tree.Find(ulong.MaxValue));
        Assert.Null(tree.FindContaining(0x1000));
        Assert.Null(tree.FindIntersection(0, ulong.MaxValue));
        Assert.Null(tree.Prev(ulong.MaxValue));
        Assert.Null(tree.NextAfter(0));
        Assert.Empty(Items(tree.Snapshot));
        Assert.Empty(Items(tree.From(0)));
        Assert.Empty(Items(default(VmaTreeSnapshot<TestRange>)));
        tree.Validate();
    }

    [Fact]
    public void FindReturnsContainingOrNextRange()
    {
        Assert.Same(_a, _tree.Find(0));                 // before the first
        Assert.Same(_a, _tree.Find(_a.Start));          // at Start
        Assert.Same(_a, _tree.Find(_a.End - 1));        // at End - 1
        Assert.Same(_b, _tree.Find(_a.End));            // at End, which is in a gap
        Assert.Same(_b, _tree.Find(5 * PAGE_SIZE));     // in a gap
        Assert.Same(_b, _tree.Find(_b.End - 1));
        Assert.Same(_c, _tree.Find(_b.End));
        Assert.Same(_c, _tree.Find(_c.End - 1));
        Assert.Null(_tree.Find(_c.End));                // at the last End
        Assert.Null(_tree.Find(0xf * PAGE_SIZE));       // after the last
        Assert.Null(_tree.Find(ulong.MaxValue));
    }

    [Fact]
    public void FindContainingReturnsOnlyAContainingRange()
    {
        Assert.Null(_tree.FindContaining(0));
        Assert.Null(_tree.FindContaining(_a.Start - 1));
        Assert.Same(_a, _tree.FindContaining(_a.Start));
        Assert.Same(_a, _tree.FindContaining(_a.End - 1));
        Assert.Null(_tree.FindContaining(_a.End));
        Assert.Null(_tree.FindContaining(5 * PAGE_SIZE));
        Assert.Same(_b, _tree.FindContaining(_b.Start));
        Assert.Same(_b, _tree.FindContaining(_b.End - 1));
        Assert.Same(_c, _tree.FindContaining(_c.Start));
        Assert.Same(_c, _tree.FindContaining(_c.End - 1));
        Assert.Null(_tree.FindContaining(_c.End));
        Assert.Null(_tree.FindContaining(ulong.MaxValue));
    }

    [Fact]
    public void FindIntersectionReturnsLowestOverlap()
    {
        Assert.Null(_tree.FindIntersection(0, _a.Start));                 // ends exactly where A starts
        Assert.Same(_a, _tree.FindIntersection(0, _a.Start + 1));
        Assert.Same(_a, _tree.FindIntersection(0, ulong.MaxValue));       // lowest of several
        Assert.Same(_a, _tree.FindIntersection(_a.End - 1, _a.End));
        Assert.Null(_tree.FindIntersection(_a.End, _b.Start));            // exactly the gap
        Assert.Same(_b, _tree.FindIntersection(_a.End, _b.Start + 1));
        Assert.Same(_b, _tree.FindIntersection(_b.Start + 1, _b.Start + 2)); // inside one range
        Assert.Null(_tree.FindIntersection(_c.End, ulong.MaxValue));      // after the last
        Assert.Null(_tree.FindIntersection(_a.Start, _a.Start));          // empty interval inside A
        Assert.Null(_tree.FindIntersection(_b.End, _a.Start));            // inverted interval
    }

    [Fact]
    public void PrevReturnsHighestStartingBelow()
    {
        Assert.Null(_tree.Prev(0));
        Assert.Null(_tree.Prev(_a.Start));
        Assert.Same(_a, _tree.Prev(_a.Start + 1));
        Assert.Same(_a, _tree.Prev(_a.End - 1));
        Assert.Same(_a, _tree.Prev(_a.End));
        Assert.Same(_a, _tree.Prev(_b.Start));
        Assert.Same(_b, _tree.Prev(_b.Start + 1));
        Assert.Same(_b, _tree.Prev(_c.Start));
        Assert.Same(_c, _tree.Prev(_c.End));
        Assert.Same(_c, _tree.Prev(ulong.MaxValue));
    }

    [Fact]
    public void NextAfterReturnsLowestStartingAtOrAbove()
    {
        Assert.Same(_a, _tree.NextAfter(0));
        Assert.Same(_a, _tree.NextAfter(_a.Start));
        Assert.Same(_b, _tree.NextAfter(_a.Start + 1));
        Assert.Same(_b, _tree.NextAfter(_a.End));
        Assert.Same(_b, _tree.NextAfter(_b.Start));
        Assert.Same(_c, _tree.NextAfter(_b.End - 1));
        Assert.Same(_c, _tree.NextAfter(_c.Start));
        Assert.Null(_tree.NextAfter(_c.Start + 1));
        Assert.Null(_tree.NextAfter(ulong.MaxValue));
    }

    [Fact]
    public void EnumerationIsInAddressOrder()
    {
        Assert.Equal([_a, _b, _c], Items(_tree.Snapshot));
        Assert.Equal(3, _tree.Count);
        var n = 0;
        foreach (var item in _tree)
        {
            Assert.Same(n switch { 0 => _a, 1 => _b, _ => _c }, item);
            n++;
        }

        Assert.Equal(3, n);
    }

    [Fact]
    public void FromStartsAtFind()
    {
        Assert.Equal([_a, _b, _c], Items(_tree.From(0)));
        Assert.Equal([_a, _b, _c], Items(_tree.From(_a.End - 1)));
        Assert.Equal([_b, _c], Items(_tree.From(_a.End)));
        Assert.Equal([_b, _c], Items(_tree.From(5 * PAGE_SIZE)));
        Assert.Equal([_b, _c], Items(_tree.From(_b.Start + 1)));
        Assert.Equal([_c], Items(_tree.From(_b.End)));
        Assert.Empty(Items(_tree.From(_c.End)));
        Assert.Empty(Items(_tree.From(ulong.MaxValue)));
    }

    [Fact]
    public void FromWalksEveryStartingPointOfALargeTree()
    {
        // Every other page mapped, one page each, so each start address has a known answer.
        var tree = new VmaTree<TestRange>();
        var items = new TestRange[300];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = TestRange.Pages((ulong)(2 * i + 1), 1);
            tree.Insert(items[i]);
        }

        for (var page = 0UL; page <= 2 * (ulong)items.Length + 1; page++)
        {
            var first = (int)(page / 2);
            var walked = Items(tree.From(page * PAGE_SIZE));
            Assert.Equal(items.Length - first, walked.Count);
            for (var i = 0; i < walked.Count; i++)
            {
                Assert.Same(items[first + i], walked[i]);
            }
        }
    }

    [Theory]
    [InlineData(0x2, 2)]   // the same range
    [InlineData(0x2, 1)]   // same Start, shorter
    [InlineData(0x1, 2)]   // overlaps A's first page
    [InlineData(0x3, 2)]   // overlaps A's last page
    [InlineData(0x0, 16)]  // covers everything
    [InlineData(0x7, 1)]   // inside B
    [InlineData(0x4, 3)]   // fills the gap and one page of B
    public void InsertRejectsOverlapAndLeavesTreeUnchanged(ulong firstPage, ulong pages)
    {
        var before = _tree.Snapshot;
        var clash = TestRange.Pages(firstPage, pages);
        var e = Assert.Throws<InvalidOperationException>(() => _tree.Insert(clash));
        Assert.Contains(clash.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Equal(Items(before), Items(_tree.Snapshot));
        _tree.Validate();
    }

    [Fact]
    public void InsertAcceptsRangesTouchingNeighbours()
    {
        var gap = TestRange.Pages(0x4, 2);      // exactly fills A.End .. B.Start
        var first = TestRange.Pages(0x0, 2);    // ends at A.Start
        var last = TestRange.Pages(0xd, 3);     // starts at C.End
        _tree.Insert(gap);
        _tree.Insert(first);
        _tree.Insert(last);
        Assert.Equal([first, _a, gap, _b, _c, last], Items(_tree.Snapshot));
        _tree.Validate();
    }

    [Fact]
    public void InsertAcceptsTheTopOfTheAddressSpace()
    {
        var top = new TestRange(ulong.MaxValue - PAGE_SIZE, ulong.MaxValue);
        _tree.Insert(top);
        Assert.Same(top, _tree.Find(ulong.MaxValue - 1));
        Assert.Null(_tree.Find(ulong.MaxValue));
        Assert.Same(top, _tree.Prev(ulong.MaxValue));
        _tree.Validate();
    }

    [Fact]
    public void InsertRejectsEmptyRanges()
    {
        Assert.Throws<ArgumentException>(() => _tree.Insert(new TestRange(0x10000, 0x10000)));
        Assert.Throws<ArgumentException>(() => _tree.Insert(new TestRange(0x20000, 0x10000)));
        Assert.Equal(3, _tree.Count);
    }

    [Fact]
    public void RemoveIsByIdentity()
    {
        var twin = TestRange.Pages(0x6, 3);
        Assert.Throws<InvalidOperationException>(() => _tree.Remove(twin));
        Assert.Throws<InvalidOperationException>(() => _tree.Remove(TestRange.Pages(0x4, 1)));
        _tree.Remove(_b);
        Assert.Equal([_a, _c], Items(_tree.Snapshot));
        Assert.Throws<InvalidOperationException>(() => _tree.Remove(_b));
        _tree.Remove(_a);
        _tree.Remove(_c);
        Assert.Equal(0, _tree.Count);
        _tree.Validate();
    }

    [Fact]
    public void ReplaceSwapsTheItemInPlace()
    {
        var longer = TestRange.Pages(0x6, 6);   // grows up to C.Start
        _tree.Replace(_b, longer);
        Assert.Equal([_a, longer, _c], Items(_tree.Snapshot));
        Assert.Same(longer, _tree.FindContaining(0xb * PAGE_SIZE));

        var shorter = TestRange.Pages(0x6, 1);
        _tree.Replace(longer, shorter);
        Assert.Same(_c, _tree.Find(0x7 * PAGE_SIZE));
        _tree.Validate();
    }

    [Fact]
    public void ReplaceRejectsBadArguments()
    {
        Assert.Throws<ArgumentException>(() => _tree.Replace(_b, TestRange.Pages(0x5, 3)));           // other Start
        Assert.Throws<ArgumentException>(() => _tree.Replace(_b, new TestRange(_b.Start, _b.Start))); // empty
        Assert.Throws<InvalidOperationException>(() => _tree.Replace(_b, TestRange.Pages(0x6, 7)));   // overlaps C
        Assert.Throws<InvalidOperationException>(
            () => _tree.Replace(TestRange.Pages(0x6, 3), TestRange.Pages(0x6, 2)));                   // old not in tree
        Assert.Equal([_a, _b, _c], Items(_tree.Snapshot));
    }

    [Fact]
    public void ClearEmptiesTheTree()
    {
        _tree.Clear();
        Assert.Equal(0, _tree.Count);
        Assert.Null(_tree.Find(0));
        _tree.Insert(_b);
        Assert.Equal([_b], Items(_tree.Snapshot));
    }

    [Fact]
    public void EndMayMoveInPlace()
    {
        //   page  0123456789abcdef
        //           AA  B     C      B shrunk to one page
        _b.End = _b.Start + PAGE_SIZE;
        Assert.Same(_c, _tree.Find(_b.End));
        Assert.Null(_tree.FindContaining(_b.End));
        Assert.Null(_tree.FindIntersection(_b.End, _c.Start));
        Assert.Equal([_c], Items(_tree.From(_b.End)));

        //   page  0123456789abcdef
        //           AA  BBBBBBC      B grown up to C
        _b.End = _c.Start;
        Assert.Same(_b, _tree.FindContaining(_c.Start - 1));
        _tree.Validate();
    }

    [Fact]
    public void ValidateReportsOverlapWithTheRanges()
    {
        _b.End = _c.Start + PAGE_SIZE;   // grown in place over C: the caller's bug
        var e = Assert.Throws<InvalidOperationException>(_tree.Validate);
        Assert.Contains(_b.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains(_c.ToString(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateReportsAStartChangedInPlace()
    {
        _b.Start -= PAGE_SIZE;
        var e = Assert.Throws<InvalidOperationException>(_tree.Validate);
        Assert.Contains(_b.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => _tree.Remove(_b));
    }

    [Fact]
    public void ValidateReportsAnEmptyRange()
    {
        _c.End = _c.Start;
        var e = Assert.Throws<InvalidOperationException>(_tree.Validate);
        Assert.Contains("empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxHeightBoundsAvlTreesOfIntMaxValueItems()
    {
        // Fewest nodes in an AVL tree of height h: N(h) = N(h-1) + N(h-2) + 1.
        long previous = 0, current = 1;
        var height = 1;
        while (true)
        {
            var next = current + previous + 1;
            if (next > int.MaxValue)
            {
                break;
            }

            (previous, current) = (current, next);
            height++;
        }

        Assert.Equal(VmaTree<TestRange>.MaxHeight, height);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SequentialInsertAndRemoveStayBalanced(bool ascending)
    {
        // mmap places top-down, so real address spaces grow at one end; a plain BST would degenerate.
        const int n = 1 << 14;
        var tree = new VmaTree<TestRange>();
        var items = new TestRange[n];
        for (var i = 0; i < n; i++)
        {
            var page = ascending ? (ulong)i : (ulong)(n - 1 - i);
            items[i] = TestRange.Pages(page, 1);
            tree.Insert(items[i]);
        }

        tree.Validate();
        Assert.Equal(n, tree.Count);

        // AVL: height < 1.4405 log2(n + 2).
        Assert.True(tree.HeightForTests <= (int)(1.4405 * Math.Log2(n + 2)), $"height {tree.HeightForTests} for {n} items");

        for (var i = 0; i < n; i += 2)
        {
            tree.Remove(items[i]);
        }

        tree.Validate();
        Assert.Equal(n / 2, tree.Count);
        Assert.True(tree.HeightForTests <= (int)(1.4405 * Math.Log2((n / 2) + 2)), $"height {tree.HeightForTests} for {n / 2} items");
    }
}
