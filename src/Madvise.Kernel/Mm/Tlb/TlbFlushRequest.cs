namespace Madvise.Kernel.Mm.Tlb;

/// <summary>One shootdown as every CPU it reaches sees it (Linux: struct flush_tlb_info).</summary>
/// <param name="Mm">The address space whose translations changed.</param>
/// <param name="FirstVpn">First page of the range.</param>
/// <param name="EndVpn">Page after the range.</param>
/// <param name="FullFlush">True when the range is larger than the single-page ceiling: CPUs drop every translation of the mm (TLB_FLUSH_ALL).</param>
/// <param name="Generation">The mm's TLB generation this flush brings CPUs to (new_tlb_gen).</param>
internal readonly record struct TlbFlushRequest(MmStruct Mm, ulong FirstVpn, ulong EndVpn, bool FullFlush, long Generation);
