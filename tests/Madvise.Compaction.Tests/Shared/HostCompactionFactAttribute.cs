using System.Globalization;
using Madvise.Host;
using Madvise.Cli.Compact;

namespace Madvise.Compaction.Tests.Shared;

/// <summary>Why this machine cannot compact another process, or null.</summary>
internal static class HostCompaction
{
    /// <summary>CAP_SYS_NICE's bit in /proc/self/status CapEff.</summary>
    private const int CapSysNice = 23;

    /// <summary>Null when a child can be started and compacted; else why not.</summary>
    public static readonly string? Unavailable = Check();

    private static string? Check()
    {
        if (HostKernel.ProbeProcessMadviseAvailable() is var errno and not 0)
        {
            return $"process_madvise unavailable on this host ({Errno.Name(errno)})";
        }

        var capEff = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        if (capEff is null || !ulong.TryParse(capEff[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var caps) || (caps & (1UL << CapSysNice)) == 0)
        {
            return "advising another process needs CAP_SYS_NICE";
        }

        return MadvExecutable.Locate() is null ? "no madv next to the tests to start as the target" : null;
    }
}

/// <summary>A test that compacts a child process; skipped where that is impossible.</summary>
public sealed class HostCompactionFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the host cannot be used.</summary>
    public HostCompactionFactAttribute() => Skip = HostCompaction.Unavailable;
}
