using System.Globalization;
using System.Runtime.InteropServices;
using Madvise.Host;

namespace Madvise.Measurement.Reporting;

/// <summary>The machine a measurement ran on, for report headers.</summary>
/// <param name="Cpu">CPU model name (/proc/cpuinfo).</param>
/// <param name="Cores">Logical CPUs available to this process.</param>
/// <param name="Kernel">Kernel release (uname -r).</param>
/// <param name="Runtime">.NET runtime description.</param>
/// <param name="LoadAverage">The 1-minute load average when the run started (a shared machine is noisy); null if unknown.</param>
/// <param name="TransparentHugepages">The host's THP mode (always, madvise, never).</param>
public sealed record MachineInfo(string Cpu, int Cores, string Kernel, string Runtime, double? LoadAverage, string TransparentHugepages)
{
    /// <summary>Reads the machine's description now.</summary>
    public static MachineInfo Current() => new(
        ReadCpuModel(),
        Environment.ProcessorCount,
        OperatingSystem.IsLinux() ? HostKernel.Release : RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        ReadLoadAverage(),
        OperatingSystem.IsLinux() ? HostKernel.TransparentHugepageMode() : "never");

    /// <summary>One line for a header: CPU, cores, kernel, runtime, load.</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Cpu}, {Cores} cores, Linux {Kernel}, {Runtime}, THP {TransparentHugepages}{(LoadAverage is { } l ? $", load average {l:0.0} at start" : string.Empty)}");

    private static string ReadCpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is var colon and > 0)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static double? ReadLoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            return space > 0 && double.TryParse(text.AsSpan(0, space), NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
