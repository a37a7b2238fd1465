using Madvise.Host;
using Madvise.Kernel;
using Madvise.Abi;

namespace Madvise.Measurement.Workloads;

/// <summary>Which kernels a measurement runs on: simulated profiles and/or the host, and what the reader must know about the host.</summary>
/// <param name="Profiles">Simulated kernel profiles, in column order; empty for none.</param>
/// <param name="Host">Whether the host kernel is measured.</param>
/// <param name="Notes">Why the host was left out, or what it cannot do.</param>
public sealed record TargetSelection(IReadOnlyList<KernelProfile> Profiles, bool Host, IReadOnlyList<string> Notes)
{
    /// <summary>The <c>--target</c> values.</summary>
    public static readonly string[] TargetNames = ["sim", "host", "both"];

    /// <summary>
    /// Resolves <c>--target</c> and <c>--profiles</c>. With <c>both</c> (the default) the host is
    /// left out, with a note, where it cannot run the workload; asking for <c>host</c> there is an
    /// error. Returns null with <paramref name="error"/> on a usage error.
    /// </summary>
    public static TargetSelection? Resolve(string target, string? profiles, MemoryAdvice hint, out string error)
    {
        error = string.Empty;
        if (Array.IndexOf(TargetNames, target.ToLowerInvariant()) < 0)
        {
            error = $"--target must be sim, host or both, not '{target}'";
            return null;
        }

        target = target.ToLowerInvariant();
        var list = new List<KernelProfile>();
        if (target != "host")
        {
            if (!TryParseProfiles(profiles, list, out error))
            {
                return null;
            }
        }

        var notes = new List<string>();
        var host = target != "sim";
        if (host && HostUnusable(hint) is { } why)
        {
            if (target == "host")
            {
                error = why;
                return null;
            }

            notes.Add($"host left out: {why}");
            host = false;
        }

        if (host && HostLimits(hint) is { } limit)
        {
            notes.Add(limit);
        }

        return new TargetSelection(list, host, notes);
    }

    /// <summary>Parses a comma-separated list of profile names (case-insensitive) or <c>all</c>; null means all four.</summary>
    public static bool TryParseProfiles(string? text, List<KernelProfile> profiles, out string error)
    {
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            profiles.AddRange(Enum.GetValues<KernelProfile>());
            return true;
        }

        foreach (var name in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Enum.TryParse<KernelProfile>(name, ignoreCase: true, out var profile) || !Enum.IsDefined(profile) || char.IsAsciiDigit(name[0]))
            {
                error = $"unknown profile '{name}' (known: {string.Join(", ", Enum.GetNames<KernelProfile>())})";
                return false;
            }

            if (!profiles.Contains(profile))
            {
                profiles.Add(profile);
            }
        }

        if (profiles.Count == 0)
        {
            error = "--profiles names no profile";
            return false;
        }

        return true;
    }

    /// <summary>Why the host cannot run the workload at all; null when it can.</summary>
    private static string? HostUnusable(MemoryAdvice hint)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the host is not Linux";
        }

        if (hint is MemoryAdvice.MADV_HWPOISON or MemoryAdvice.MADV_SOFT_OFFLINE)
        {
            // As root these take real page frames out of service until reboot.
            return $"MADV_{MemoryAdviceNames.Name(hint)} would take this machine's memory offline; it runs on the simulated kernel only";
        }

        return null;
    }

    /// <summary>What the host cannot do with <paramref name="hint"/>, probed without touching memory; null when it can do everything.</summary>
    private static string? HostLimits(MemoryAdvice hint)
    {
        var name = MemoryAdviceNames.Name(hint);
        var madvise = HostKernel.ProbeMadvise(hint);
        if (madvise != 0)
        {
            return $"host: madvise() rejects MADV_{name} ({Errno.Name(madvise)}); its cells fail";
        }

        var available = HostKernel.ProbeProcessMadviseAvailable();
        if (available != 0)
        {
            return $"host: process_madvise() is not available ({Errno.Name(available)}); only the madvise() row is measured";
        }

        var self = HostKernel.ProbeProcessMadvise(hint);
        return self != 0
            ? $"host: process_madvise() on the own pidfd rejects MADV_{name} ({Errno.Name(self)}; Linux 6.13+ accepts every advice); only the madvise() row is measured"
            : null;
    }
}
