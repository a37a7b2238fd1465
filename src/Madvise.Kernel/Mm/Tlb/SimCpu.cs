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
/// </remarks>
public sealed class SimCpu
{
    /// <summary>TLB entries per CPU (direct-mapped by virtual page number).</summary>
    internal const int TlbEntries = 64;

    /// <summary>Above this many pages a range flush scans every entry instead of probing per page.</summary>
    private const ulong RangeFlushCeiling = TlbEntries;

    /// <summary>Registry of every CPU, indexed by <see cref="Id"/>; grows copy-on-write under <see cref="RegistryLock"/>.</summary>
    private static SimCpu[] s_byId = new SimCpu[64];

    /// <summary>Number of CPUs registered.</summary>
    private static int s_count;

    /// <summary>Protects registration (leaf lock).</summary>
    private static readonly Lock RegistryLock = new();

    [ThreadStatic]
    private static SimCpu? t_current;

    /// <summary>Protects <see cref="_entries"/> and the counters. Leaf lock (a <see cref="Spinlock"/>: held for one access or one invalidation).</summary>
    internal readonly Spinlock TlbSpinlock = new();

    /// <summary>The translation cache. Protected by <see cref="TlbSpinlock"/>.</summary>
    private readonly TlbEntry[] _entries = new TlbEntry[TlbEntries];

    /// <summary>Invalidation requests this CPU received. Protected by <see cref="TlbSpinlock"/>.</summary>
    private long _flushesReceived;

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

    /// <summary>The CPU with identifier <paramref name="id"/>.</summary>
    internal static SimCpu ById(int id) => Volatile.Read(ref s_byId)[id];

    private static SimCpu Register()
    {
        lock (RegistryLock)
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

    /// <summary>Caches a translation. Precondition: the PTE lock of the page and <see cref="TlbSpinlock"/> are held.</summary>
    internal void Fill(long mmId, ulong vpn, int pfn, bool writable)
    {
        ref var e = ref _entries[(int)(vpn & (TlbEntries - 1))];
        e.MmId = mmId;
        e.Vpn = vpn;
        e.Pfn = pfn;
        e.Writable = writable;
    }

    /// <summary>Drops every cached translation of <paramref name="mmId"/> for pages [firstVpn, endVpn).</summary>
    internal void Invalidate(long mmId, ulong firstVpn, ulong endVpn)
    {
        using (TlbSpinlock.EnterScope())
        {
            _flushesReceived++;
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
            }
            else
            {
                for (var i = 0; i < _entries.Length; i++)
                {
                    ref var e = ref _entries[i];
                    if (e.MmId == mmId && e.Vpn >= firstVpn && e.Vpn < endVpn)
                    {
                        e = default;
                    }
                }
            }
        }
    }

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
