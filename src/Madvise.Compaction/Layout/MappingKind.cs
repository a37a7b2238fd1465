namespace Madvise.Compaction.Layout;

/// <summary>The kinds of mapping a generated target holds, after what a real process has.</summary>
public enum MappingKind
{
    /// <summary>Private anonymous read-write memory (heap, arenas, thread stacks): written.</summary>
    Anon,

    /// <summary>Private read-only file mapping (a library's text and data): read.</summary>
    FileReadOnly,

    /// <summary>Private writable file mapping (a library's .data): some pages written, which makes them anonymous copies.</summary>
    FileWritable,

    /// <summary>Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS: shmem): written.</summary>
    SharedAnon,

    /// <summary>A PROT_NONE reservation or guard (runtimes reserve gigabytes this way): never touched.</summary>
    Reserved,

    /// <summary>Private anonymous memory locked with mlock(2): PAGEOUT and COLD refuse it with EINVAL.</summary>
    Locked,
}
