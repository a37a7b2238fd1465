using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.Locking;

namespace Madvise.Kernel.Mm.Vmas;

/// <summary>
/// A virtual memory area (Linux: <c>struct vm_area_struct</c>): a page-aligned range
/// [<see cref="Start"/>, <see cref="End"/>) of one address space with uniform flags and backing.
/// </summary>
/// <remarks>
/// <para>Invariants: Start &lt; End, both page-aligned; VMAs of one mm never overlap.</para>
/// <para>Protection: Start, End, PgOff and File change only under the mmap write lock
/// (and the VMA's write lock, <see cref="VmaLock"/>). Flags change under the mmap write lock,
/// except the sticky bit <see cref="VmFlags.VM_GUARD_INSTALLED"/>, which guard installation
/// sets atomically under the read lock. <see cref="AnonVma"/> is set once, atomically, by the
/// first anonymous fault (anon_vma_prepare) or under the write lock by split/merge.</para>
/// </remarks>
public sealed class Vma : IAddressRange
{
    /// <summary>Flags as a raw word so that the sticky guard bit can be set atomically.</summary>
    private ulong _flags;

    /// <summary>The anonymous-memory origin; null until the first anonymous page is created.</summary>
    private AnonVma? _anonVma;

    internal Vma(MmStruct mm, ulong start, ulong end, VmFlags flags, OpenFile? file, ulong pgoff)
    {
        Mm = mm;
        Start = start;
        End = end;
        _flags = (ulong)flags;
        File = file;
        PgOff = pgoff;
        Lock = new VmaLock(this);
    }

    /// <summary>The address space this VMA belongs to.</summary>
    public MmStruct Mm { get; }

    /// <summary>First address.</summary>
    public ulong Start { get; internal set; }

    /// <summary>First address after the VMA.</summary>
    public ulong End { get; internal set; }

    /// <summary>VM_* flags.</summary>
    public VmFlags Flags
    {
        get => (VmFlags)Volatile.Read(ref _flags);
        internal set => Volatile.Write(ref _flags, (ulong)value);
    }

    /// <summary>The mapped file (a shmem file for shared anonymous memory), or null for private anonymous memory.</summary>
    public OpenFile? File { get; internal set; }

    /// <summary>Offset in pages: of <see cref="Start"/> in the file, or Start &gt;&gt; 12 for anonymous memory.</summary>
    public ulong PgOff { get; internal set; }

    /// <summary>The per-VMA lock (Linux 6.4+ per-VMA locking).</summary>
    internal VmaLock Lock { get; }

    /// <summary>The anonymous origin of this VMA's private pages.</summary>
    internal AnonVma? AnonVma
    {
        get => Volatile.Read(ref _anonVma);
        set => Volatile.Write(ref _anonVma, value);
    }

    /// <summary>
    /// True for a VMA copied into a child by fork whose anonymous pages may still be shared
    /// with the parent (Linux: a non-singular anon_vma_chain). Such VMAs do not merge with a
    /// neighbour of another anonymous origin.
    /// </summary>
    internal bool HasUncowedParents { get; set; }

    /// <summary>Private anonymous memory (Linux: vma_is_anonymous — no file, no vm_ops).</summary>
    public bool IsAnonymous => File is null;

    /// <summary>Size in pages.</summary>
    public ulong Pages => (End - Start) >> PageSize.PAGE_SHIFT;

    /// <summary>Sets the sticky <see cref="VmFlags.VM_GUARD_INSTALLED"/> bit without the mmap write lock.</summary>
    internal void MarkGuardInstalled() => Interlocked.Or(ref _flags, (ulong)VmFlags.VM_GUARD_INSTALLED);

    /// <summary>Installs <paramref name="anonVma"/> unless another thread did first; returns the winner.</summary>
    internal AnonVma SetAnonVmaOnce(AnonVma anonVma) =>
        Interlocked.CompareExchange(ref _anonVma, anonVma, null) ?? anonVma;

    /// <summary>The file page index that address <paramref name="addr"/> maps (linear_page_index).</summary>
    internal ulong PageIndex(ulong addr) => PgOff + ((addr - Start) >> PageSize.PAGE_SHIFT);

    public override string ToString() => $"{Start:x}-{End:x} {Flags.Perms()}";
}
