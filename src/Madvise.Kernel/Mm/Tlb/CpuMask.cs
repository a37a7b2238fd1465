using Madvise.Kernel.Mm.Locking;

namespace Madvise.Kernel.Mm.Tlb;

/// <summary>
/// The set of simulated CPUs that may hold TLB entries of one address space (Linux: <c>mm_cpumask</c>).
/// </summary>
/// <remarks>
/// As on x86 (arch/x86/mm/tlb.c), a CPU sets its bit when it switches to the mm
/// (<see cref="SimCpu.SwitchMm"/>) and keeps it when it switches away or goes lazy: the
/// shootdown decides per CPU whether to interrupt it (<see cref="TlbFlush"/>), and clears the
/// bit of a CPU that no longer has the mm loaded when it trims the mask (once a second).
/// Bits are set and cleared with atomic OR/AND; the bit array grows copy-on-write under
/// <see cref="_growLock"/> (a leaf lock). Readers take a snapshot of the array.
/// </remarks>
internal sealed class CpuMask
{
    /// <summary>The bits; replaced (never shrunk) when a CPU id beyond its end is added.</summary>
    private ulong[] _bits = new ulong[1];

    /// <summary>Serialises growth of <see cref="_bits"/>. The innermost lock (<see cref="LockClass.CpuMask"/>): a CPU joins a mask under its TLB lock.</summary>
    private readonly KernelLock _growLock = new(LockClass.CpuMask);

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
        using (_growLock.EnterScope())
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

    /// <summary>Removes CPU <paramref name="id"/> (cpumask_clear_cpu).</summary>
    public void Remove(int id)
    {
        var bits = Volatile.Read(ref _bits);
        var w = id >> 6;
        if (w < bits.Length)
        {
            Interlocked.And(ref bits[w], ~(1UL << (id & 63)));

            // A concurrent Grow copied the array before our AND landed: clear it there too.
            var current = Volatile.Read(ref _bits);
            if (!ReferenceEquals(current, bits))
            {
                Interlocked.And(ref current[w], ~(1UL << (id & 63)));
            }
        }
    }

    /// <summary>True when a CPU other than <paramref name="id"/> is in the mask (cpumask_any_but() &lt; nr_cpu_ids).</summary>
    public bool AnyBut(int id)
    {
        var bits = Volatile.Read(ref _bits);
        for (var w = 0; w < bits.Length; w++)
        {
            var word = Volatile.Read(ref bits[w]);
            if (w == id >> 6)
            {
                word &= ~(1UL << (id & 63));
            }

            if (word != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The current bit words (read each with <see cref="Volatile.Read(ref ulong)"/>); bit b of word w is CPU 64·w + b.</summary>
    internal ulong[] Words => Volatile.Read(ref _bits);
}
