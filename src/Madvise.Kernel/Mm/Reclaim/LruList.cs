namespace Madvise.Kernel.Mm.Reclaim;

/// <summary>The LRU lists of a node (Linux: <c>enum lru_list</c>).</summary>
internal enum LruList
{
    InactiveAnon = 0,
    ActiveAnon = 1,
    InactiveFile = 2,
    ActiveFile = 3,
    Unevictable = 4,
}
