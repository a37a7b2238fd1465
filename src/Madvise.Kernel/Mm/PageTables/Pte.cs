using System.Runtime.CompilerServices;

namespace Madvise.Kernel.Mm.PageTables;

/// <summary>
/// A last-level page-table entry, encoded in 64 bits like an x86-64 PTE.
/// </summary>
/// <remarks>
/// Present entries: bit 0 present, bit 1 writable, bit 5 accessed (young), bit 6 dirty,
/// bits 12.. the pfn. Non-present, non-zero entries are software entries (Linux: swap
/// entries and PTE markers): bits 1..3 hold the kind, bits 12.. the payload.
/// </remarks>
internal readonly struct Pte : IEquatable<Pte>
{
    private const ulong PresentBit = 1UL << 0;
    private const ulong WriteBit = 1UL << 1;
    private const ulong YoungBit = 1UL << 5;
    private const ulong DirtyBit = 1UL << 6;
    private const int PfnShift = 12;
    private const ulong KindMask = 0b1110;

    private const ulong SwapKind = 1UL << 1;
    private const ulong GuardKind = 2UL << 1;
    private const ulong PoisonKind = 3UL << 1;

    /// <summary>The raw 64-bit value.</summary>
    public readonly ulong Raw;

    public Pte(ulong raw) => Raw = raw;

    /// <summary>The empty entry (pte_none).</summary>
    public static Pte None => default;

    /// <summary>A guard marker (PTE_MARKER_GUARD): any access faults.</summary>
    public static Pte GuardMarker => new(GuardKind);

    /// <summary>A hardware-poison marker: the page behind it was lost.</summary>
    public static Pte PoisonMarker => new(PoisonKind);

    /// <summary>A present entry mapping <paramref name="pfn"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pte Make(int pfn, bool writable, bool dirty, bool young) =>
        new(((ulong)(uint)pfn << PfnShift) | PresentBit | (writable ? WriteBit : 0) | (dirty ? DirtyBit : 0) | (young ? YoungBit : 0));

    /// <summary>A swap entry for slot <paramref name="slot"/>.</summary>
    public static Pte Swap(int slot) => new(((ulong)(uint)slot << PfnShift) | SwapKind);

    public bool IsNone => Raw == 0;

    public bool IsPresent => (Raw & PresentBit) != 0;

    public bool IsSwap => (Raw & (PresentBit | KindMask)) == SwapKind;

    public bool IsGuard => Raw == GuardKind;

    public bool IsPoison => Raw == PoisonKind;

    /// <summary>A non-present, non-empty entry (swap entry or marker).</summary>
    public bool IsSoftware => !IsPresent && Raw != 0;

    public bool Writable => (Raw & WriteBit) != 0;

    public bool Dirty => (Raw & DirtyBit) != 0;

    public bool Young => (Raw & YoungBit) != 0;

    /// <summary>The mapped frame of a present entry.</summary>
    public int Pfn => (int)(Raw >> PfnShift);

    /// <summary>The swap slot of a swap entry.</summary>
    public int SwapSlot => (int)(Raw >> PfnShift);

    public Pte WithWritable(bool on) => new(on ? Raw | WriteBit : Raw & ~WriteBit);

    public Pte WithDirty(bool on) => new(on ? Raw | DirtyBit : Raw & ~DirtyBit);

    public Pte WithYoung(bool on) => new(on ? Raw | YoungBit : Raw & ~YoungBit);

    public bool Equals(Pte other) => Raw == other.Raw;

    public override bool Equals(object? obj) => obj is Pte p && Equals(p);

    public override int GetHashCode() => Raw.GetHashCode();

    public static bool operator ==(Pte a, Pte b) => a.Raw == b.Raw;

    public static bool operator !=(Pte a, Pte b) => a.Raw != b.Raw;

    public override string ToString() =>
        IsNone ? "none" : IsPresent ? $"pfn {Pfn}{(Writable ? " w" : string.Empty)}{(Dirty ? " d" : string.Empty)}{(Young ? " y" : string.Empty)}"
        : IsSwap ? $"swap {SwapSlot}" : IsGuard ? "guard" : IsPoison ? "poison" : $"raw {Raw:x}";
}
