using System.Runtime.CompilerServices;
using Madvise.Kernel.Mm.Locking;

namespace Madvise.Kernel.Mm.Tlb;

/// <summary>
/// A simulated CPU: the OS thread that is running simulated code, with its TLB.
/// </summary>
/// <remarks>
/// <para>Every OS thread that touches simulated user memory is one CPU
/// (<see cref="Current"/>). Its TLB caches translations (mm, virtual page) → frame, so an
/// access that hits does not walk the page table or take the mmap_lock, exactly as on
/// hardware. That makes TLB shootdown necessary for correctness: before a frame whose PTE was
/// cleared can be freed, every CPU that may cache the translation must drop it
/// (<see cref="Invalidate"/>), or it could keep writing into a frame that now belongs to
/// someone else.</para>
/// <para><see cref="TlbSpinlock"/> protects the entries. The owning thread holds it for the
/// duration of one access through a cached translation; a remote flush takes it to
/// invalidate, which waits for an access in progress to finish (the model's IPI
/// acknowledgement). It is a leaf lock: taken inside page-table locks, nothing inside it.</para>
/// <para>Which address space a CPU has live follows x86 Linux (arch/x86/mm/tlb.c,
/// cpu_tlbstate): <see cref="SwitchMm"/> is switch_mm_irqs_off() — a thread of a process starts
/// running here, its mm becomes the loaded one and the CPU joins the mm's mask — and
/// <see cref="EnterLazyTlb"/> is enter_lazy_tlb() — the thread blocked and the CPU idles with
/// the mm still loaded but "lazy". A shootdown (<see cref="TlbFlush"/>) skips lazy CPUs; they
/// compare the mm's TLB generation with their own when they next switch to it and flush then.
/// Each CPU keeps the generation it has caught up to per address space in a few context slots
/// (cpu_tlbstate.ctxs, the PCID/ASID slots). The simulated TLB caches leaf translations only,
/// no paging-structure entries, so the case Linux interrupts lazy CPUs for (freed page tables)
/// does not arise.</para>
/// </remarks>
public sealed class SimCpu
{
    /// <summary>TLB entries per CPU (direct-mapped by virtual page number).</summary>
    internal const int TlbEntries = 64;

    /// <summary>Above this many pages a range flush scans every entry instead of probing per page.</summary>
    private const ulong RangeFlushCeiling = TlbEntries;

    /// <summary>Address spaces whose generation a CPU remembers (Linux: TLB_NR_DYN_ASIDS).</summary>
    internal const int TlbContextSlots = 6;

    /// <summary>Registry of every CPU, indexed by <see cref="Id"/>; grows copy-on-write under <see cref="RegistryLock"/>.</summary>
    private static SimCpu[] s_byId = new SimCpu[64];

    /// <summary>Number of CPUs registered.</summary>
    private static int s_count;

    /// <summary>Protects registration. Leaf lock (<see cref="LockClass.CpuRegistry"/>).</summary>
    private static readonly KernelLock RegistryLock = new(LockClass.CpuRegistry);

    [ThreadStatic]
    private static SimCpu? t_current;

    /// <summary>Protects <see cref="_entries"/> and the counters. Leaf lock (a <see cref="Spinlock"/>, <see cref="LockClass.Tlb"/>: held for one access or one invalidation; only the CPU-mask growth lock nests in it).</summary>
    internal readonly Spinlock TlbSpinlock = new(LockClass.Tlb);

    /// <summary>The translation cache. Protected by <see cref="TlbSpinlock"/>.</summary>
    private readonly TlbEntry[] _entries = new TlbEntry[TlbEntries];

    /// <summary>Invalidation requests this CPU received. Protected by <see cref="TlbSpinlock"/>.</summary>
    private long _flushesReceived;

    /// <summary>
    /// Per address space, the TLB generation this CPU has caught up to (cpu_tlbstate.ctxs[asid]).
    /// Protected by <see cref="TlbSpinlock"/>.
    /// </summary>
    private readonly TlbContext[] _contexts = new TlbContext[TlbContextSlots];

    /// <summary>The address space whose translations this CPU uses (cpu_tlbstate.loaded_mm); null for none (init_mm). Written under <see cref="TlbSpinlock"/>, read lock-free by shootdowns.</summary>
    private MmStruct? _loadedMm;

    /// <summary>The slot of <see cref="_contexts"/> for <see cref="_loadedMm"/> (loaded_mm_asid). Protected by <see cref="TlbSpinlock"/>.</summary>
    private int _loadedSlot;

    /// <summary>The slot the next new address space takes (cpu_tlbstate.next_asid). Protected by <see cref="TlbSpinlock"/>.</summary>
    private int _nextSlot;

    /// <summary>The thread left the CPU; the mm stays loaded (cpu_tlbstate_shared.is_lazy). Written under <see cref="TlbSpinlock"/>, read lock-free by shootdowns.</summary>
    private volatile bool _isLazy;

    /// <summary>Between choosing a new mm and loading it (loaded_mm == LOADED_MM_SWITCHING). Written under <see cref="TlbSpinlock"/>, read lock-free by shootdowns.</summary>
    private volatile bool _switching;

    /// <summary>Shootdown requests from other CPUs that ran flush_tlb_func here (the TLB IPIs of /proc/interrupts). Protected by <see cref="TlbSpinlock"/>.</summary>
    private long _remoteFlushesReceived;

    private SimCpu(int id) => Id = id;

    /// <summary>The CPU of the calling thread.</summary>
    public static SimCpu Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_current ?? Register();
    }

    /// <summary>Number of CPUs ever registered.</summary>
    public static int Count => Volatile.Read(ref s_count);

    /// <summary>Dense identifier, used as the bit index in an mm's CPU mask.</summary>
    public int Id { get; }

    /// <summary>Invalidation requests this CPU received.</summary>
    public long FlushesReceived
    {
        get
        {
            using (TlbSpinlock.EnterScope())
            {
                return _flushesReceived;
            }
        }
    }

    /// <summary>Shootdowns other CPUs ran here (flush_tlb_func for a remote initiator).</summary>
    public long RemoteFlushesReceived
    {
        get
        {
            using (TlbSpinlock.EnterScope())
            {
                return _remoteFlushesReceived;
            }
        }
    }

    /// <summary>The address space this CPU has loaded (lazily or not); null for none.</summary>
    public MmStruct? LoadedMm => Volatile.Read(ref _loadedMm);

    /// <summary>True while the CPU idles with <see cref="LoadedMm"/> still loaded (lazy TLB mode).</summary>
    public bool IsLazy => _isLazy;

    /// <summary>The CPU with identifier <paramref name="id"/>.</summary>
    internal static SimCpu ById(int id) => Volatile.Read(ref s_byId)[id];

    private static SimCpu Register()
    {
        using (RegistryLock.EnterScope())
        {
            var id = s_count;
            var cpu = new SimCpu(id);
            if (id == s_byId.Length)
            {
                var grown = new SimCpu[s_byId.Length * 2];
                Array.Copy(s_byId, grown, s_byId.Length);
                Volatile.Write(ref s_byId, grown);
            }

            s_byId[id] = cpu;
            Volatile.Write(ref s_count, id + 1);
            t_current = cpu;
            return cpu;
        }
    }

    /// <summary>Looks a translation up. Precondition: <see cref="TlbSpinlock"/> is held by the owning thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryTranslate(long mmId, ulong vpn, bool write, out int pfn)
    {
        ref var e = ref _entries[(int)(vpn & (TlbEntries - 1))];
        if (e.MmId == mmId && e.Vpn == vpn && (!write || e.Writable))
        {
            pfn = e.Pfn;
            return true;
        }

        pfn = -1;
        return false;
    }

    /// <summary>Caches a translation. Preconditions: <see cref="TlbSpinlock"/> is held by the owning thread, and the entry was read under its PTE lock or by the lock-free walk, after which any change to it is followed by a shootdown that takes <see cref="TlbSpinlock"/> (MmStruct.TryWalkLocked).</summary>
    internal void Fill(long mmId, ulong vpn, int pfn, bool writable)
    {
        ref var e = ref _entries[(int)(vpn & (TlbEntries - 1))];
        e.MmId = mmId;
        e.Vpn = vpn;
        e.Pfn = pfn;
        e.Writable = writable;
    }

    /// <summary>
    /// A thread of <paramref name="next"/>'s process starts running on this CPU: the mm becomes
    /// the loaded one, the CPU joins its mask, and if the TLB missed shootdowns meanwhile (lazy,
    /// or another mm ran) it drops the mm's cached translations.
    /// </summary>
    /// <remarks>Linux: arch/x86/mm/tlb.c switch_mm_irqs_off(), choose_new_asid(). Called by the CPU's own thread.</remarks>
    public void SwitchMm(MmStruct next)
    {
        using (TlbSpinlock.EnterScope())
        {
            var prev = _loadedMm;
            var wasLazy = _isLazy;
            if (wasLazy)
            {
                _isLazy = false;
            }

            if (ReferenceEquals(prev, next))
            {
                // Another thread of the same process, or back from idle: only a lazy CPU can
                // have missed a shootdown. The fence orders the is_lazy store before the
                // generation load, against the shootdown's generation increment before its
                // is_lazy load: one of the two sees the other.
                if (!wasLazy)
                {
                    return;
                }

                Interlocked.MemoryBarrier();
                var gen = next.TlbGeneration;
                if (_contexts[_loadedSlot].Generation != gen)
                {
                    InvalidateMmLocked(next.Id);
                    _contexts[_loadedSlot].Generation = gen;
                }

                return;
            }

            _switching = true;
            if (!next.CpuMask.Contains(Id))
            {
                next.CpuMask.Add(Id);
            }
            else
            {
                Interlocked.MemoryBarrier();
            }

            var nextGen = next.TlbGeneration;
            var slot = -1;
            for (var i = 0; i < _contexts.Length; i++)
            {
                if (_contexts[i].MmId == next.Id)
                {
                    slot = i;
                    break;
                }
            }

            bool needFlush;
            if (slot >= 0)
            {
                needFlush = _contexts[slot].Generation < nextGen;
            }
            else
            {
                slot = _nextSlot;
                _nextSlot = (_nextSlot + 1) % _contexts.Length;
                needFlush = true;
            }

            if (needFlush)
            {
                InvalidateMmLocked(next.Id);
                _contexts[slot] = new TlbContext(next.Id, nextGen);
            }

            _loadedSlot = slot;
            Volatile.Write(ref _loadedMm, next);
            _switching = false;
        }
    }

    /// <summary>
    /// The thread running here blocked and the CPU idles: it keeps the mm loaded but stops
    /// using it, so shootdowns may skip it (Linux: enter_lazy_tlb()). Called by the CPU's own thread.
    /// </summary>
    public void EnterLazyTlb()
    {
        using (TlbSpinlock.EnterScope())
        {
            if (_loadedMm is not null)
            {
                _isLazy = true;
            }
        }
    }

    /// <summary>
    /// Whether a shootdown of <paramref name="mm"/> must run flush_tlb_func here (Linux:
    /// should_flush_tlb()): not while lazy (the CPU catches up when it switches back), yes while
    /// switching or with the mm loaded, and for a CPU that has another mm loaded only when the
    /// initiator trims the mask. Lock-free, like the kernel's per-CPU reads.
    /// </summary>
    internal bool ShouldFlush(MmStruct mm, bool trim)
    {
        if (_isLazy)
        {
            return false;
        }

        if (_switching)
        {
            return true;
        }

        return ReferenceEquals(Volatile.Read(ref _loadedMm), mm) || trim;
    }

    /// <summary>
    /// Runs a shootdown on this CPU (Linux: flush_tlb_func()): leaves the mask if the mm is not
    /// loaded here any more; drops the mm altogether if lazy; otherwise catches up to the mm's
    /// generation with a ranged flush when it is exactly one behind and the range is small, else
    /// by dropping every entry of the mm. Called by the initiating thread, for this CPU or itself.
    /// </summary>
    /// <returns>True when translations were invalidated.</returns>
    internal bool RunFlush(in TlbFlushRequest request, bool local)
    {
        using (TlbSpinlock.EnterScope())
        {
            _flushesReceived++;
            if (!local)
            {
                _remoteFlushesReceived++;
            }

            var mm = request.Mm;
            if (!ReferenceEquals(_loadedMm, mm))
            {
                mm.CpuMask.Remove(Id);
                return false;
            }

            if (_isLazy)
            {
                // Lazy after all: switch to no mm (init_mm); the next SwitchMm catches up.
                _isLazy = false;
                Volatile.Write(ref _loadedMm, null);
                return false;
            }

            ref var context = ref _contexts[_loadedSlot];
            var localGen = context.Generation;
            if (request.Generation <= localGen)
            {
                return false;
            }

            var mmGen = mm.TlbGeneration;
            if (localGen == mmGen)
            {
                return false;
            }

            if (!request.FullFlush && request.Generation == localGen + 1 && request.Generation == mmGen)
            {
                InvalidateLocked(mm.Id, request.FirstVpn, request.EndVpn);
            }
            else
            {
                InvalidateMmLocked(mm.Id);
            }

            context.Generation = mmGen;
            return true;
        }
    }

    /// <summary>Drops the cached translations of <paramref name="mmId"/> for pages [firstVpn, endVpn). Precondition: <see cref="TlbSpinlock"/> is held.</summary>
    private void InvalidateLocked(long mmId, ulong firstVpn, ulong endVpn)
    {
        if (endVpn - firstVpn <= RangeFlushCeiling)
        {
            for (var vpn = firstVpn; vpn < endVpn; vpn++)
            {
                ref var e = ref _entries[(int)(vpn & (TlbEntries - 1))];
                if (e.MmId == mmId && e.Vpn == vpn)
                {
                    e = default;
                }
            }

            return;
        }

        for (var i = 0; i < _entries.Length; i++)
        {
            ref var e = ref _entries[i];
            if (e.MmId == mmId && e.Vpn >= firstVpn && e.Vpn < endVpn)
            {
                e = default;
            }
        }
    }

    /// <summary>Drops every cached translation of <paramref name="mmId"/> (flush_tlb_local for its ASID). Precondition: <see cref="TlbSpinlock"/> is held.</summary>
    private void InvalidateMmLocked(long mmId)
    {
        for (var i = 0; i < _entries.Length; i++)
        {
            if (_entries[i].MmId == mmId)
            {
                _entries[i] = default;
            }
        }
    }

    /// <summary>One context slot: an address space and the TLB generation this CPU has caught up to for it.</summary>
    /// <param name="MmId">The address space (<see cref="MmStruct.Id"/>); 0 for an unused slot.</param>
    /// <param name="Generation">Its <see cref="MmStruct.TlbGeneration"/> when this CPU last flushed it.</param>
    private record struct TlbContext(long MmId, long Generation);

    /// <summary>One cached translation.</summary>
    private struct TlbEntry
    {
        /// <summary>The address space (<see cref="MmStruct.Id"/>); 0 for an empty entry.</summary>
        public long MmId;

        /// <summary>Virtual page number.</summary>
        public ulong Vpn;

        /// <summary>The frame.</summary>
        public int Pfn;

        /// <summary>Writes may use this entry (the PTE was writable and dirty when cached).</summary>
        public bool Writable;
    }
}
