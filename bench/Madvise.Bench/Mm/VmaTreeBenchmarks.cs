using BenchmarkDotNet.Attributes;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;
using static Madvise.Abi.PageSize;

namespace Madvise.Bench.Mm;

/// <summary>
/// <see cref="VmaTree{T}"/>: lookups at random addresses, unmap/map churn and a full walk, for
/// address spaces of a few to tens of thousands of VMAs (Linux's default vm.max_map_count is 65530).
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(BenchmarkCategories.Mm)]
public class VmaTreeBenchmarks
{
    /// <summary>Lookups or churn pairs per benchmark invocation.</summary>
    private const int Batch = 1024;

    /// <summary>The tree under test, filled in <see cref="Setup"/>.</summary>
    private VmaTree<BenchRange> _tree = null!;

    /// <summary>Random addresses over the mapped span, gaps included, drawn once.</summary>
    private ulong[] _addresses = null!;

    /// <summary>Items to remove and insert again, drawn once; the tree is the same after each pass.</summary>
    private BenchRange[] _churn = null!;

    /// <summary>VMAs in the tree.</summary>
    [Params(16, 1024, 65536)]
    public int Items { get; set; }

    /// <summary>Builds an address space of VMAs of 1..16 pages separated by gaps of 1..4 pages.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var items = new BenchRange[Items];
        var page = 16UL;
        for (var i = 0; i < Items; i++)
        {
            page += (ulong)random.Next(1, 5);
            var pages = (ulong)random.Next(1, 17);
            items[i] = new BenchRange(page * PAGE_SIZE, (page + pages) * PAGE_SIZE);
            page += pages;
        }

        // Insert in a shuffled order so the tree's shape does not depend on the insertion pattern.
        var order = (BenchRange[])items.Clone();
        random.Shuffle(order);
        _tree = new VmaTree<BenchRange>();
        foreach (var item in order)
        {
            _tree.Insert(item);
        }

        _addresses = new ulong[Batch];
        for (var i = 0; i < Batch; i++)
        {
            _addresses[i] = (ulong)random.NextInt64((long)((page + 4) * PAGE_SIZE));
        }

        _churn = new BenchRange[Batch];
        for (var i = 0; i < Batch; i++)
        {
            _churn[i] = items[random.Next(Items)];
        }
    }

    /// <summary>find_vma() at a random address.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public ulong Find()
    {
        ulong sum = 0;
        var tree = _tree;
        foreach (var addr in _addresses)
        {
            sum += tree.Find(addr)?.Start ?? 0;
        }

        return sum;
    }

    /// <summary>One Remove then one Insert of the same VMA (an unmap and a map), publishing two versions.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void RemoveInsert()
    {
        var tree = _tree;
        foreach (var item in _churn)
        {
            tree.Remove(item);
            tree.Insert(item);
        }
    }

    /// <summary>A walk over every VMA in order.</summary>
    [Benchmark]
    public ulong Enumerate()
    {
        ulong sum = 0;
        foreach (var item in _tree)
        {
            sum += item.End - item.Start;
        }

        return sum;
    }
}
