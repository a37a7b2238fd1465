using System.Runtime.CompilerServices;

namespace Madvise.Kernel.Mm.PageTables;

/// <summary>
/// A huge page-middle-directory entry: one entry mapping 2 MiB (512 contiguous frames), encoded
/// in 64 bits like an x86-64 PMD with the PS bit (Linux: a <c>pmd_trans_huge()</c> entry).
/// </summary>
/// <remarks>
/// Bit 0 present, bit 1 writable, bit 5 accessed (young), bit 6 dirty, bit 7 PS (huge), bit 9
/// (a software bit) marks the huge zero page, bits 12.. the first pfn. The model keeps this
/// value in the <see cref="PteTable"/> that the PMD slot holds (<see cref="PteTable.Huge"/>):
/// see there for why. Only present huge entries exist (no PMD migration or swap entries).
/// </remarks>
internal readonly struct Pmd : IEquatable<Pmd>
{
    private const ulong PresentBit = 1UL << 0;
    private const ulong WriteBit = 1UL << 1;
    private const ulong YoungBit = 1UL << 5;
    private const ulong DirtyBit = 1UL << 6;
    private const ulong HugeBit = 1UL << 7;
    private const ulong HugeZeroBit = 1UL << 9;
    private const int PfnShift = 12;

    /// <summary>The raw 64-bit value; 0 when the PMD is not a huge mapping.</summary>
    public readonly ulong Raw;

    public Pmd(ulong raw) => Raw = raw;

    /// <summary>No huge mapping.</summary>
    public static Pmd None => default;

    /// <summary>A huge entry mapping the 512 frames from <paramref name="pfn"/> (Linux: mk_huge_pmd / folio_mk_pmd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pmd Make(int pfn, bool writable, bool dirty, bool young) =>
        new(((ulong)(uint)pfn << PfnShift) | PresentBit | HugeBit | (writable ? WriteBit : 0) | (dirty ? DirtyBit : 0) | (young ? YoungBit : 0));

    /// <summary>A read-only entry mapping the huge zero page that starts at <paramref name="pfn"/> (set_huge_zero_folio, pmd_mkspecial).</summary>
    public static Pmd MakeHugeZero(int pfn) => new(((ulong)(uint)pfn << PfnShift) | PresentBit | HugeBit | HugeZeroBit | YoungBit);

    public bool IsNone => Raw == 0;

    public bool IsPresent => (Raw & PresentBit) != 0;

    /// <summary>is_huge_zero_pmd().</summary>
    public bool IsHugeZero => (Raw & HugeZeroBit) != 0;

    public bool Writable => (Raw & WriteBit) != 0;

    public bool Dirty => (Raw & DirtyBit) != 0;

    public bool Young => (Raw & YoungBit) != 0;

    /// <summary>The first of the 512 mapped frames.</summary>
    public int Pfn => (int)(Raw >> PfnShift);

    public Pmd WithWritable(bool on) => new(on ? Raw | WriteBit : Raw & ~WriteBit);

    public Pmd WithDirty(bool on) => new(on ? Raw | DirtyBit : Raw & ~DirtyBit);

    public Pmd WithYoung(bool on) => new(on ? Raw | YoungBit : Raw & ~YoungBit);

    public bool Equals(Pmd other) => Raw == other.Raw;

    public override bool Equals(object? obj) => obj is Pmd p && Equals(p);

    public override int GetHashCode() => Raw.GetHashCode();

    public static bool operator ==(Pmd a, Pmd b) => a.Raw == b.Raw;

    public static bool operator !=(Pmd a, Pmd b) => a.Raw != b.Raw;

    public override string ToString() =>
        IsNone ? "none" : $"huge pfn {Pfn}{(IsHugeZero ? " zero" : string.Empty)}{(Writable ? " w" : string.Empty)}{(Dirty ? " d" : string.Empty)}{(Young ? " y" : string.Empty)}";
}
