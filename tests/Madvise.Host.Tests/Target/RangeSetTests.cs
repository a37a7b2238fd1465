using CsCheck;
using Madvise.Scenarios.Host;

namespace Madvise.Host.Tests.Target;

/// <summary>The range set against a page-by-page model.</summary>
public sealed class RangeSetTests
{
    /// <summary>Size of the page model.</summary>
    private const int Pages = 64;

    [Fact]
    public void AddMergesTouchingRangesAndRemoveSplits()
    {
        var set = new RangeSet();
        set.Add(10, 20);
        set.Add(30, 40);
        set.Add(20, 30);
        Assert.Equal([(10UL, 40UL)], set.Ranges);
        set.Remove(15, 25);
        Assert.Equal([(10UL, 15UL), (25UL, 40UL)], set.Ranges);
        Assert.True(set.Covers(25, 40));
        Assert.False(set.Covers(14, 26));
        Assert.True(set.Covers(12, 12));
    }

    [Fact]
    public void BehavesLikeASetOfPages()
    {
        var op = Gen.Select(Gen.Int[0, 2], Gen.Int[0, Pages], Gen.Int[0, Pages]);
        Gen.Select(op.Array[1, 40], Gen.Int[0, Pages], Gen.Int[0, Pages]).Sample((ops, qs, qe) =>
        {
            var set = new RangeSet();
            var model = new bool[Pages];
            foreach (var (kind, x, y) in ops)
            {
                var (s, e) = (Math.Min(x, y), Math.Max(x, y));
                if (kind == 2)
                {
                    set.Remove((ulong)s, (ulong)e);
                }
                else
                {
                    set.Add((ulong)s, (ulong)e);
                }

                for (var i = s; i < e; i++)
                {
                    model[i] = kind != 2;
                }
            }

            // Disjoint, sorted, never touching, and exactly the model's pages.
            var pages = new bool[Pages];
            var last = -1L;
            foreach (var (s, e) in set.Ranges)
            {
                Assert.True((long)s > last && s < e, $"bad ranges {string.Join(" ", set.Ranges)}");
                last = (long)e;
                for (var i = s; i < e; i++)
                {
                    pages[i] = true;
                }
            }

            Assert.Equal(model, pages);
            var (a, b) = (Math.Min(qs, qe), Math.Max(qs, qe));
            var covered = true;
            for (var i = a; i < b; i++)
            {
                covered &= model[i];
            }

            Assert.Equal(covered, set.Covers((ulong)a, (ulong)b));
        });
    }
}
