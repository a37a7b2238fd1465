using System.Globalization;

namespace Madvise.Measurement.Workloads;

/// <summary>The host's /proc/self/smaps, for what the workload's buffer holds.</summary>
internal static class ProcSmaps
{
    /// <summary>
    /// The AnonHugePages of the mappings of this process that overlap
    /// [<paramref name="start"/>, start + <paramref name="length"/>), in KiB; -1 when /proc cannot be read.
    /// </summary>
    public static long AnonHugePagesKiB(ulong start, ulong length)
    {
        var end = start + length;
        long total = 0;
        var inRange = false;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/smaps"))
            {
                var dash = line.IndexOf('-', StringComparison.Ordinal);
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                if (dash > 0 && space > dash
                    && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var vmStart)
                    && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var vmEnd))
                {
                    inRange = vmStart < end && vmEnd > start;
                    continue;
                }

                if (inRange && line.StartsWith("AnonHugePages:", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(14).Trim().TrimEnd("kB").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib))
                {
                    total += kib;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return -1;
        }

        return total;
    }
}
