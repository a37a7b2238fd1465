namespace Madvise.Compaction;

/// <summary>
/// What to compact, as Android's CachedAppOptimizer names it (COMPACT_ACTION_ANON, _FILE, _ALL in
/// frameworks/base services/core/jni/com_android_server_am_CachedAppOptimizer.cpp).
/// </summary>
public enum CompactionMode
{
    /// <summary>Private anonymous mappings (inode 0, not shared): MADV_PAGEOUT.</summary>
    Anon,

    /// <summary>Private file mappings (inode &gt; 0, not shared): MADV_COLD.</summary>
    File,

    /// <summary>Private anonymous mappings get MADV_PAGEOUT; every other mapping, shared ones included, MADV_COLD.</summary>
    All,
}
