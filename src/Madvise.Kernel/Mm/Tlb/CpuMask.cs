namespace Madvise.Kernel.Mm.Tlb;

/// <summary>
/// The set of simulated CPUs that may hold TLB entries of one address space (Linux: <c>mm_cpumask</c>).
/// </summary>
/// <remarks>
/// A CPU is added the first time it caches a translation of the mm and never removed, as
/// on x86 without lazy trimming, so a flush reaches every CPU that ever ran the process.
/// Bits are set with atomic OR; the bit array grows copy-on-write under <see cref="_growLock"/>
/// (a leaf lock). Readers take a snapshot of the array.
/// </remarks>
internal sealed class CpuMask
{
    /// <summary>The bits; replaced (never shrunk) when a CPU id beyond its end is added.</summary>
    private ulong[] _bits = new ulong[1];

    /// <summary>Serialises growth of <see cref="_bits"/>.</summary>
    private readonly Lock _growLock = new();

    /// <summary>True when CPU <paramref name="id"/> is in the mask.</summary>
    public bool Contains(int id)
    {
        var bits = Volatile.Read(ref _bits);
        var w = id >> 6;
        return w < bits.Length && (Volatile.Read(ref bits[w]) & (1UL << (id & 63))) != 0;
    }

    /// <summary>Adds CPU <paramref name="id"/>.</summary>
    public void Add(int id)
    {
        var w = id >> 6;
        while (true)
        {
            var bits = Volatile.Read(ref _bits);
            if (w >= bits.Length)
            {
                Grow(w + 1);
                continue;
            }

            Interlocked.Or(ref bits[w], 1UL << (id & 63));

            // A concurrent Grow may have copied the array before our OR landed: set the bit
            // again in whatever array is current until the array we wrote is the current one.
            if (ReferenceEquals(Volatile.Read(ref _bits), bits))
            {
                return;
            }
        }
    }

    private void Grow(int words)
    {
        lock (_growLock)
        {
            var old = _bits;
            if (old.Length >= words)
            {
                return;
            }

            var grown = new ulong[Math.Max(words, old.Length * 2)];
            for (var i = 0; i < old.Length; i++)
            {
                grown[i] = Volatile.Read(ref old[i]);
            }

            Volatile.Write(ref _bits, grown);
        }
    }

    /// <summary>Invalidates [firstVpn, endVpn) of <paramref name="mmId"/> on every CPU in the mask.</summary>
    /// <returns>The number of CPUs flushed.</returns>
    public int FlushAll(long mmId, ulong firstVpn, ulong endVpn)
    {
        var bits = Volatile.Read(ref _bits);
        var flushed = 0;
        for (var w = 0; w < bits.Length; w++)
        {
            var word = Volatile.Read(ref bits[w]);
            while (word != 0)
            {
                var b = System.Numerics.BitOperations.TrailingZeroCount(word);
                word &= word - 1;
                SimCpu.ById((w << 6) + b).Invalidate(mmId, firstVpn, endVpn);
                flushed++;
            }
        }

        return flushed;
    }
}
