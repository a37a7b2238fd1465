using System.Globalization;

namespace Madvise.Measurement.Workloads;

/// <summary>
/// The machine's count of TLB shootdown interrupts received ("TLB:" in /proc/interrupts, summed
/// over CPUs): Linux counts one each time flush_tlb_func() runs on a CPU for another CPU's flush.
/// Machine-wide, so other processes' shootdowns count too.
/// </summary>
public static class HostTlbInterrupts
{
    /// <summary>The count now, or -1 when /proc/interrupts cannot be read or has no TLB line.</summary>
    public static long Read()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/interrupts"))
            {
                var text = line.AsSpan().TrimStart();
                if (!text.StartsWith("TLB:", StringComparison.Ordinal))
                {
                    continue;
                }

                long sum = 0;
                foreach (var range in text[4..].Split(' '))
                {
                    var field = text[4..][range];
                    if (field.IsEmpty)
                    {
                        continue;
                    }

                    if (!long.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                    {
                        break;
                    }

                    sum += n;
                }

                return sum;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return -1;
    }
}
