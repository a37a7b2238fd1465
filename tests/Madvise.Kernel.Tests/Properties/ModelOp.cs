namespace Madvise.Kernel.Tests.Properties;

/// <summary>What one step of a random address-space sequence does.</summary>
public enum ModelOpKind
{
    /// <summary>mmap MAP_FIXED of [Page, Page + Pages); Arg: protection (Arg % 3: none, r, rw) and type (Arg / 3: private, private noreserve, shared).</summary>
    Mmap,

    /// <summary>munmap.</summary>
    Munmap,

    /// <summary>mprotect; Arg % 3: none, r, rw.</summary>
    Mprotect,

    /// <summary>mlock.</summary>
    Mlock,

    /// <summary>munlock.</summary>
    Munlock,

    /// <summary>The task's own stores of byte Arg into every byte of the range.</summary>
    Write,

    /// <summary>The task's own loads of the range.</summary>
    Read,

    /// <summary>madvise; Arg indexes <see cref="ModelOp.Behaviors"/>.</summary>
    Madvise,

    /// <summary>fork of the task (ignored when the maximum number of live tasks is reached).</summary>
    Fork,

    /// <summary>exit of the task (ignored for the last live task).</summary>
    Exit,

    /// <summary>Memory pressure: reclaim everything reclaimable.</summary>
    Reclaim,
}

/// <summary>One step: the kind, the task (an index modulo the live tasks), the range in window pages, and a kind-specific argument.</summary>
public readonly record struct ModelOp(ModelOpKind Kind, int Task, int Page, int Pages, int Arg)
{
    /// <summary>The madvise behaviours steps choose from.</summary>
    public static readonly MemoryAdvice[] Behaviors =
    [
        MemoryAdvice.MADV_DONTNEED,
        MemoryAdvice.MADV_FREE,
        MemoryAdvice.MADV_DONTFORK,
        MemoryAdvice.MADV_DOFORK,
        MemoryAdvice.MADV_WIPEONFORK,
        MemoryAdvice.MADV_KEEPONFORK,
    ];

    public override string ToString() => Kind switch
    {
        ModelOpKind.Fork or ModelOpKind.Exit => $"{Kind} t{Task}",
        ModelOpKind.Reclaim => "Reclaim",
        _ => $"{Kind} t{Task} {Page}+{Pages} {Arg}",
    };
}
