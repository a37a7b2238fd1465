namespace Madvise.Compaction.Layout;

/// <summary>One mapping of a generated layout.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Bytes">Its size (a multiple of 4 KiB).</param>
/// <param name="TouchedBytes">The bytes from its start that are written (anonymous, shared) or read (file); 0 for reservations.</param>
/// <param name="FileOffset">Offset in the layout's backing file (file kinds only).</param>
public readonly record struct MappingSpec(MappingKind Kind, ulong Bytes, ulong TouchedBytes, ulong FileOffset);
