using System.Globalization;
using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Scenarios.Host;

/// <summary>The <c>config</c> step on the host: compares the keys given with the running kernel (spec rule 10).</summary>
internal static class HostConfig
{
    /// <summary>
    /// Null when every key given matches the host, else a list of the differences. swap is
    /// compared by presence (/proc/swaps), memory_failure and ksm by whether madvise(0, 0,
    /// MADV_HWPOISON / MADV_MERGEABLE) is accepted, thp by the selected mode.
    /// </summary>
    public static string? Compare(ScenarioConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var differences = new List<string>();
        if (config.Swap is { } swap)
        {
            var host = HostKernel.SwapTotalKiB();
            if ((swap == 0) != (host == 0))
            {
                differences.Add(string.Create(CultureInfo.InvariantCulture, $"swap={swap} (host {host} KiB)"));
            }
        }

        if (config.MemoryFailure is { } memoryFailure)
        {
            Compare(differences, "memory_failure", memoryFailure, HostKernel.MadviseAccepts(MemoryAdvice.MADV_HWPOISON));
        }

        if (config.Thp is { } thp)
        {
            var wanted = thp switch
            {
                ThpMode.Always => "always",
                ThpMode.Madvise => "madvise",
                _ => "never",
            };
            var host = HostKernel.TransparentHugepageMode();
            if (wanted != host)
            {
                differences.Add($"thp={wanted} (host {host})");
            }
        }

        if (config.Ksm is { } ksm)
        {
            Compare(differences, "ksm", ksm, HostKernel.MadviseAccepts(MemoryAdvice.MADV_MERGEABLE));
        }

        return differences.Count == 0 ? null : "config differs from the host: " + string.Join(", ", differences);
    }

    private static void Compare(List<string> differences, string key, bool wanted, bool host)
    {
        if (wanted != host)
        {
            differences.Add($"{key}={OnOff(wanted)} (host {OnOff(host)})");
        }
    }

    private static string OnOff(bool value) => value ? "on" : "off";
}
