using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Scenarios.Host;

internal sealed partial class TaskExecutor
{
    /// <summary>The VmFlags mnemonics a <c>vmas</c> step reports, sorted.</summary>
    private static readonly string[] ReportedVmFlags = ["dc", "dd", "gu", "hg", "lo", "mg", "nh", "rr", "sr", "wf"];

    /// <summary>
    /// Stores <paramref name="value"/> over the range with process_vm_writev on the task's process, in
    /// chunks; the bytes before a fault are written, as a memset would have, and then -EFAULT.
    /// </summary>
    public long Write(ulong addr, ulong length, byte value)
    {
        if (Refuse(_guard.CheckWrite(addr, length)))
        {
            return TargetResult.NotSupported;
        }

        if (length == 0)
        {
            return 0;
        }

        var buffer = Buffer;
        buffer.AsSpan(0, (int)Math.Min(length, Chunk)).Fill(value);
        while (length > 0)
        {
            var k = (int)Math.Min(length, Chunk);
            var r = _sys.WriteMemory(addr, buffer.AsSpan(0, k));
            if (r < 0)
            {
                return r;
            }

            if (r != k)
            {
                return -Errno.EFAULT;
            }

            addr = unchecked(addr + (ulong)k);
            length -= (ulong)k;
        }

        return 0;
    }

    /// <summary>
    /// Reads the range with process_vm_readv on the task's process, in chunks, into
    /// <paramref name="sink"/>; -EFAULT as soon as one byte cannot be read (an inaccessible page
    /// never raises a signal).
    /// </summary>
    public long Read(ulong addr, ulong length, ByteSink sink)
    {
        var buffer = Buffer;
        while (length > 0)
        {
            var k = (int)Math.Min(length, Chunk);
            var r = _sys.ReadMemory(addr, buffer.AsSpan(0, k));
            if (r < 0)
            {
                return r;
            }

            if (r != k)
            {
                return -Errno.EFAULT;
            }

            sink(buffer.AsSpan(0, k));
            addr = unchecked(addr + (ulong)k);
            length -= (ulong)k;
        }

        return 0;
    }

    /// <summary>
    /// Appends the mappings of the task's /proc/self/smaps that overlap [addr, addr+len), with
    /// their permission column and reported VmFlags.
    /// </summary>
    public long Vmas(ulong addr, ulong length, List<MappingInfo> into)
    {
        foreach (var m in SmapsOverlapping(addr, length))
        {
            into.Add(new MappingInfo(m.Start, m.End, m.Perms, ReportedFlags(m.VmFlags)));
        }

        return 0;
    }

    /// <summary>Appends the smaps counters of the task's mappings that overlap [addr, addr+len).</summary>
    public long Smaps(ulong addr, ulong length, List<SmapsInfo> into)
    {
        foreach (var m in SmapsOverlapping(addr, length))
        {
            into.Add(new SmapsInfo(m.Start, m.End, m.Size("Rss"), m.Size("Anonymous"), m.Size("AnonHugePages"), m.Size("LazyFree"), m.Size("Swap"), m.Size("Locked")));
        }

        return 0;
    }

    /// <summary>
    /// The entries of the task's /proc/self/smaps that overlap [addr, addr+len) (the end capped
    /// at 2^64, never wrapping); reading stops past the range.
    /// </summary>
    private IEnumerable<ProcMapping> SmapsOverlapping(ulong addr, ulong length)
    {
        if (length == 0)
        {
            yield break;
        }

        var end = unchecked(addr + length);
        if (end < addr)
        {
            end = 0; // 2^64
        }

        foreach (var m in _sys.EnumerateSmaps())
        {
            if (end != 0 && m.Start >= end)
            {
                yield break;
            }

            if (m.Overlaps(addr, end))
            {
                yield return m;
            }
        }
    }

    /// <summary>The sorted, distinct subset of <see cref="ReportedVmFlags"/> in <paramref name="flags"/>.</summary>
    private static string[] ReportedFlags(IReadOnlyList<string> flags)
    {
        var result = new List<string>(2);
        foreach (var mnemonic in ReportedVmFlags)
        {
            for (var i = 0; i < flags.Count; i++)
            {
                if (string.Equals(flags[i], mnemonic, StringComparison.Ordinal))
                {
                    result.Add(mnemonic);
                    break;
                }
            }
        }

        return [.. result];
    }
}
