namespace Madvise.Kernel.Mm.Tlb;

/// <summary>
/// TLB shootdown of a range of one address space (Linux: arch/x86/mm/tlb.c flush_tlb_mm_range(),
/// native_flush_tlb_multi(), should_flush_tlb()).
/// </summary>
/// <remarks>
/// <para>The mm's TLB generation goes up first; then, if a CPU other than the initiator is in
/// the mm's mask, every CPU of the mask is asked <see cref="SimCpu.ShouldFlush"/> and those that
/// say yes run <see cref="SimCpu.RunFlush"/> (an IPI in Linux; here the initiating thread does
/// the work on the other CPU's TLB under that CPU's lock, which waits for an access in
/// progress there). Lazy CPUs are skipped: they catch up from the generation when their thread
/// runs again. With no other CPU in the mask only the initiator flushes, and only if it has the
/// mm loaded. Once a second a flush also visits the CPUs that have another mm loaded, which
/// leave the mask (Linux: should_trim_cpumask()).</para>
/// <para>So the work of a shootdown depends on where the process's threads run: one thread,
/// a local flush; a sleeping sibling, a walk of the mask that finds the other CPU lazy; a
/// running sibling, an invalidation of the other CPU's TLB per flush, and the refills after.</para>
/// </remarks>
internal static class TlbFlush
{
    /// <summary>Above this many pages a CPU drops every translation of the mm instead of the range (tlb_single_page_flush_ceiling).</summary>
    internal const ulong SinglePageFlushCeiling = 33;

    /// <summary>Milliseconds between two trims of an mm's mask (HZ).</summary>
    private const long TrimIntervalMilliseconds = 1000;

    /// <summary>Invalidates pages [<paramref name="firstVpn"/>, <paramref name="endVpn"/>) of <paramref name="mm"/> wherever they may be cached, and counts the shootdown.</summary>
    /// <remarks>Preconditions: the PTEs were changed before the call; no lock is held but at most one PTE lock (PTE lock → TLB lock).</remarks>
    public static void FlushRange(MmStruct mm, ulong firstVpn, ulong endVpn)
    {
        var generation = mm.IncTlbGeneration();
        var request = new TlbFlushRequest(mm, firstVpn, endVpn, endVpn - firstVpn > SinglePageFlushCeiling, generation);
        var self = SimCpu.Current;
        int visited = 0, remote = 0;
        if (mm.CpuMask.AnyBut(self.Id))
        {
            var trim = mm.ShouldTrimCpuMask(TrimIntervalMilliseconds);
            var words = mm.CpuMask.Words;
            for (var w = 0; w < words.Length; w++)
            {
                var word = Volatile.Read(ref words[w]);
                while (word != 0)
                {
                    var b = System.Numerics.BitOperations.TrailingZeroCount(word);
                    word &= word - 1;
                    var cpu = SimCpu.ById((w << 6) + b);
                    if (!cpu.ShouldFlush(mm, trim))
                    {
                        continue;
                    }

                    var local = ReferenceEquals(cpu, self);
                    cpu.RunFlush(request, local);
                    visited++;
                    remote += local ? 0 : 1;
                }
            }
        }
        else if (ReferenceEquals(self.LoadedMm, mm))
        {
            self.RunFlush(request, local: true);
            visited = 1;
        }

        mm.Kernel.Stats.RecordTlbFlush(visited, remote);
    }
}
