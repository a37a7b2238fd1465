using CsCheck;
using Madvise.Kernel.Mm.Vmas;
using static Madvise.Abi.PageSize;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// Random operation sequences run on a <see cref="VmaTree{T}"/> and on a naive sorted list;
/// after every step the tree validates and holds exactly the list's items, and every query
/// agrees. MADV_STRESS=1 runs many more sequences.
/// </summary>
public sealed class VmaTreeModelTests
{
    /// <summary>Pages in the simulated address space: small, so that ranges collide often.</summary>
    private const int Pages = 128;

    /// <summary>What one step does.</summary>
    public enum Kind
    {
        /// <summary>Insert [A, A + B) pages; an overlap must be refused.</summary>
        Insert,

        /// <summary>Remove the item with index A (modulo the count).</summary>
        Remove,

        /// <summary>Remove an equal copy of item A, or a range not in the tree: both must be refused.</summary>
        RemoveAbsent,

        /// <summary>Replace item A by a new item of B pages at the same Start; an overlap must be refused.</summary>
        Replace,

        /// <summary>Move item A's End in place to B pages past its Start, when that keeps the items disjoint.</summary>
        MoveEnd,

        /// <summary>Run every query at page A plus an offset chosen by C, over an interval of B pages.</summary>
        Query,

        /// <summary>Take a snapshot, to be checked against this step's contents after the last step.</summary>
        Snapshot,

        /// <summary>Remove everything.</summary>
        Clear,
    }

    /// <summary>One step of a sequence.</summary>
    public readonly record struct Op(Kind Kind, int A, int B, int C);

    /// <summary>Steps, weighted so the tree fills up to a few dozen items and is queried often.</summary>
    private static readonly Gen<Op> GenOp = Gen.Frequency(
        (10, Gen.Select(Gen.Int[0, Pages - 1], Gen.Int[1, 4], (a, b) => new Op(Kind.Insert, a, b, 0))),
        (4, Gen.Int[0, Pages].Select(a => new Op(Kind.Remove, a, 0, 0))),
        (1, Gen.Select(Gen.Int[0, Pages], Gen.Int[0, 1], (a, c) => new Op(Kind.RemoveAbsent, a, 0, c))),
        (3, Gen.Select(Gen.Int[0, Pages], Gen.Int[1, 6], (a, b) => new Op(Kind.Replace, a, b, 0))),
        (3, Gen.Select(Gen.Int[0, Pages], Gen.Int[1, 6], (a, b) => new Op(Kind.MoveEnd, a, b, 0))),
        (8, Gen.Select(Gen.Int[0, Pages + 1], Gen.Int[0, 8], Gen.Int[0, 3], (a, b, c) => new Op(Kind.Query, a, b, c))),
        (1, Gen.Const(new Op(Kind.Snapshot, 0, 0, 0))),
        (1, Gen.Frequency((1, Gen.Const(new Op(Kind.Clear, 0, 0, 0))), (30, Gen.Const(new Op(Kind.Query, 0, 0, 0))))));

    /// <summary>True when MADV_STRESS=1 asks for the long run.</summary>
    private static bool Stress => Environment.GetEnvironmentVariable("MADV_STRESS") == "1";

    [Fact]
    public void TreeMatchesSortedListModel() =>
        GenOp.Array[1, 400].Sample(Run, iter: Stress ? 20_000 : 200);

    /// <summary>Runs one sequence, checking the tree against the model after every step.</summary>
    private static void Run(Op[] ops)
    {
        var tree = new VmaTree<TestRange>();
        var model = new List<TestRange>();
        var snapshots = new List<(VmaTreeSnapshot<TestRange> Snapshot, TestRange[] Items)>();
        foreach (var op in ops)
        {
            Step(tree, model, snapshots, op);
            tree.Validate();
            Assert.Equal(model.Count, tree.Count);
            Assert.Equal(model, VmaTreeTests.Items(tree.Snapshot));
        }

        // Later steps removed, replaced and added items; each snapshot still holds its own.
        // (Only membership is compared: End moves in place and is shared by all versions.)
        foreach (var (snapshot, items) in snapshots)
        {
            Assert.Equal(items.Length, snapshot.Count);
            Assert.Equal(items, VmaTreeTests.Items(snapshot));
        }
    }

    private static void Step(
        VmaTree<TestRange> tree,
        List<TestRange> model,
        List<(VmaTreeSnapshot<TestRange>, TestRange[])> snapshots,
        Op op)
    {
        switch (op.Kind)
        {
            case Kind.Insert:
            {
                var item = TestRange.Pages((ulong)op.A, (ulong)op.B);
                if (ModelFindIntersection(model, item.Start, item.End) is not null)
                {
                    Assert.Throws<InvalidOperationException>(() => tree.Insert(item));
                }
                else
                {
                    tree.Insert(item);
                    model.Insert(IndexOfFirstStartAtOrAbove(model, item.Start), item);
                }

                break;
            }

            case Kind.Remove when model.Count > 0:
            {
                var index = op.A % model.Count;
                tree.Remove(model[index]);
                model.RemoveAt(index);
                break;
            }

            case Kind.RemoveAbsent:
            {
                var absent = model.Count > 0 && op.C == 0
                    ? new TestRange(model[op.A % model.Count].Start, model[op.A % model.Count].End)
                    : TestRange.Pages((ulong)(Pages + op.A), 1);
                Assert.Throws<InvalidOperationException>(() => tree.Remove(absent));
                break;
            }

            case Kind.Replace when model.Count > 0:
            {
                var index = op.A % model.Count;
                var old = model[index];
                var replacement = new TestRange(old.Start, old.Start + ((ulong)op.B * PAGE_SIZE));
                if (index + 1 < model.Count && model[index + 1].Start < replacement.End)
                {
                    Assert.Throws<InvalidOperationException>(() => tree.Replace(old, replacement));
                }
                else
                {
                    tree.Replace(old, replacement);
                    model[index] = replacement;
                }

                break;
            }

            case Kind.MoveEnd when model.Count > 0:
            {
                var index = op.A % model.Count;
                var item = model[index];
                var end = item.Start + ((ulong)op.B * PAGE_SIZE);
                if (index + 1 == model.Count || end <= model[index + 1].Start)
                {
                    item.End = end;
                }

                break;
            }

            case Kind.Query:
                CheckQueries(tree, model, op);
                break;

            case Kind.Snapshot:
                snapshots.Add((tree.Snapshot, model.ToArray()));
                break;

            case Kind.Clear:
                tree.Clear();
                model.Clear();
                break;

            default:
                // Remove, Replace and MoveEnd on an empty tree: nothing to do.
                break;
        }
    }

    /// <summary>Every query, on the tree and on a snapshot of it, against the model.</summary>
    private static void CheckQueries(VmaTree<TestRange> tree, List<TestRange> model, Op op)
    {
        var offset = op.C switch { 0 => 0UL, 1 => 1UL, 2 => PAGE_SIZE - 1, _ => PAGE_SIZE / 2 };
        var addr = ((ulong)op.A * PAGE_SIZE) + offset;
        var end = addr + ((ulong)op.B * PAGE_SIZE) - (op.C == 3 && op.B > 0 ? 1UL : 0UL);
        var snapshot = tree.Snapshot;

        var find = model.Find(r => r.End > addr);
        Assert.Same(find, tree.Find(addr));
        Assert.Same(find, snapshot.Find(addr));

        var containing = model.Find(r => r.Start <= addr && addr < r.End);
        Assert.Same(containing, tree.FindContaining(addr));
        Assert.Same(containing, snapshot.FindContaining(addr));

        var intersection = ModelFindIntersection(model, addr, end);
        Assert.Same(intersection, tree.FindIntersection(addr, end));
        Assert.Same(intersection, snapshot.FindIntersection(addr, end));

        var prev = model.FindLast(r => r.Start < addr);
        Assert.Same(prev, tree.Prev(addr));
        Assert.Same(prev, snapshot.Prev(addr));

        var next = model.Find(r => r.Start >= addr);
        Assert.Same(next, tree.NextAfter(addr));
        Assert.Same(next, snapshot.NextAfter(addr));

        var from = model.FindIndex(r => r.End > addr);
        Assert.Equal(from < 0 ? [] : model[from..], VmaTreeTests.Items(tree.From(addr)));
    }

    /// <summary>The lowest model item overlapping [start, end); none when the interval is empty.</summary>
    private static TestRange? ModelFindIntersection(List<TestRange> model, ulong start, ulong end) =>
        start < end ? model.Find(r => r.Start < end && start < r.End) : null;

    /// <summary>Where an item starting at <paramref name="start"/> goes in the sorted model.</summary>
    private static int IndexOfFirstStartAtOrAbove(List<TestRange> model, ulong start)
    {
        var index = model.FindIndex(r => r.Start >= start);
        return index < 0 ? model.Count : index;
    }
}
