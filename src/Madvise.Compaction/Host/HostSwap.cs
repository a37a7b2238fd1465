using System.Globalization;
using Madvise.Compaction.Engine;

namespace Madvise.Compaction.Host;

/// <summary>The running kernel's swap: /proc/meminfo SwapTotal and SwapFree, and the zram devices' memory use.</summary>
public static class HostSwap
{
    /// <summary>Reads the swap state now.</summary>
    public static SwapState Read()
    {
        long total = 0, free = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("SwapTotal:", StringComparison.Ordinal))
                {
                    total = Kib(line);
                }
                else if (line.StartsWith("SwapFree:", StringComparison.Ordinal))
                {
                    free = Kib(line);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return SwapState.None;
        }

        return new SwapState(total, free, ZramUsedKiB());
    }

    /// <summary>
    /// The memory every initialised zram device uses (the third field of /sys/block/zramN/mm_stat,
    /// mem_used_total, in bytes); null when there is none.
    /// </summary>
    public static long? ZramUsedKiB()
    {
        long? total = null;
        string[] devices;
        try
        {
            devices = Directory.GetDirectories("/sys/block", "zram*");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        foreach (var device in devices)
        {
            try
            {
                var fields = File.ReadAllText(Path.Combine(device, "mm_stat")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 3 && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var bytes)
                    && File.ReadAllText(Path.Combine(device, "disksize")).Trim() != "0")
                {
                    total = (total ?? 0) + (bytes >> 10);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return total;
    }

    private static long Kib(string line)
    {
        var value = line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim();
        if (value.EndsWith("kB", StringComparison.Ordinal))
        {
            value = value[..^2].TrimEnd();
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kib) ? kib : 0;
    }
}
