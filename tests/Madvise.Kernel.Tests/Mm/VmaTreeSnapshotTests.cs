using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;
using static Madvise.Abi.PageSize;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>A snapshot is a frozen version: the writer's later changes never show through it.</summary>
public sealed class VmaTreeSnapshotTests
{
    /// <summary>A tree of <paramref name="n"/> one-page ranges on every other page, from page 1.</summary>
    private static (VmaTree<TestRange> Tree, TestRange[] Items) EveryOtherPage(int n)
    {
        var tree = new VmaTree<TestRange>();
        var items = new TestRange[n];
        for (var i = 0; i < n; i++)
        {
            items[i] = TestRange.Pages((ulong)(2 * i + 1), 1);
            tree.Insert(items[i]);
        }

        return (tree, items);
    }

    [Fact]
    public void SnapshotAnswersAsBeforeAfterModifications()
    {
        //   page  0123456789abc
        //          A B C D E         before
        //          A XXC d E  F      after: B removed, X inserted, D replaced by d, F inserted; then cleared
        var (tree, items) = EveryOtherPage(5);
        var before = tree.Snapshot;

        tree.Remove(items[1]);
        var x = TestRange.Pages(3, 2);
        tree.Insert(x);
        var d = TestRange.Pages(7, 1);
        tree.Replace(items[3], d);
        var f = TestRange.Pages(12, 1);
        tree.Insert(f);
        var after = tree.Snapshot;
        tree.Clear();

        Assert.Equal(5, before.Count);
        Assert.Equal(items, VmaTreeTests.Items(before));
        Assert.Same(items[1], before.FindContaining(3 * PAGE_SIZE));
        Assert.Same(items[1], before.Find(2 * PAGE_SIZE));
        Assert.Same(items[3], before.FindIntersection(6 * PAGE_SIZE, 8 * PAGE_SIZE));
        Assert.Same(items[4], before.Prev(ulong.MaxValue));
        Assert.Null(before.NextAfter(10 * PAGE_SIZE));
        Assert.Equal([items[3], items[4]], VmaTreeTests.Items(before.From(6 * PAGE_SIZE)));
        before.Validate();

        Assert.Equal(6, after.Count);
        Assert.Equal([items[0], x, items[2], d, items[4], f], VmaTreeTests.Items(after));
        Assert.Same(x, after.FindContaining(4 * PAGE_SIZE));
        Assert.Same(d, after.FindContaining(7 * PAGE_SIZE));
        after.Validate();

        Assert.Equal(0, tree.Count);
        Assert.True(tree.Snapshot.IsEmpty);
    }

    [Fact]
    public void EnumeratingASnapshotWhileTheWriterModifiesSeesTheOldContents()
    {
        var (tree, items) = EveryOtherPage(200);
        var seen = new List<TestRange>();
        var added = 0;
        foreach (var item in tree)
        {
            seen.Add(item);

            // Between every two steps: remove what stands where the visited item was (the item
            // itself, or a copy put there by the previous step), fill the gap after it, and
            // replace the next item with a copy.
            tree.Remove(tree.FindContaining(item.Start)!);
            var page = item.Start / PAGE_SIZE;
            tree.Insert(TestRange.Pages(page + 1, 1));
            added++;
            if (tree.FindContaining(item.End + PAGE_SIZE) is { } next)
            {
                tree.Replace(next, new TestRange(next.Start, next.End));
            }

            tree.Validate();
        }

        Assert.Equal(items, seen);
        Assert.Equal(200, added);
        Assert.Equal(200, tree.Count);
        foreach (var item in tree)
        {
            Assert.Equal(0UL, item.Start / PAGE_SIZE % 2);   // only the gap fillers are left
        }
    }

    [Fact]
    public void FromWalkKeepsItsVersion()
    {
        var (tree, items) = EveryOtherPage(50);
        var seen = new List<TestRange>();
        foreach (var item in tree.From(20 * PAGE_SIZE))
        {
            seen.Add(item);
            tree.Clear();
        }

        Assert.Equal(items[10..], seen);
    }

    [Fact]
    public void EnumeratorCopiesWalkIndependently()
    {
        var (tree, items) = EveryOtherPage(10);
        var first = tree.GetEnumerator();
        Assert.True(first.MoveNext());
        Assert.True(first.MoveNext());
        var second = first;
        Assert.True(second.MoveNext());
        Assert.Same(items[2], second.Current);
        Assert.Same(items[1], first.Current);

        var n = 2;
        while (first.MoveNext())
        {
            Assert.Same(items[n++], first.Current);
        }

        Assert.Equal(10, n);
        Assert.False(first.MoveNext());
    }
}
