namespace Madvise.Kernel.Tests.Properties;

/// <summary>One page of one task in <see cref="PageMapModel"/>. The default value is an unmapped page.</summary>
internal struct ModelPage
{
    /// <summary>A VMA covers the page.</summary>
    public bool Mapped;

    /// <summary>PROT_* bits (none, r or rw).</summary>
    public int Prot;

    /// <summary>VM_LOCKED.</summary>
    public bool Locked;

    /// <summary>MAP_SHARED|MAP_ANONYMOUS: the bytes live in shared object <see cref="SharedId"/>.</summary>
    public bool Shared;

    /// <summary>Mapped with MAP_NORESERVE (not accounted).</summary>
    public bool NoReserve;

    /// <summary>VM_DONTCOPY (MADV_DONTFORK).</summary>
    public bool DontFork;

    /// <summary>VM_WIPEONFORK (MADV_WIPEONFORK).</summary>
    public bool WipeOnFork;

    /// <summary>The shared object, for a shared page.</summary>
    public int SharedId;

    /// <summary>The page's index in its shared object.</summary>
    public int SharedIndex;

    /// <summary>Every byte of a private page.</summary>
    public byte Value;

    /// <summary>MADV_FREE was given and the page was not written since: reclaim may have discarded it (it then reads zero).</summary>
    public bool MaybeZero;
}
