using System.Diagnostics;

namespace Madvise.Host.Tests.Shared;

/// <summary>The Python reference host runner (shared/tools/scnhost.py) and how to run it.</summary>
internal static class ReferenceRunnerScript
{
    /// <summary>Where scnhost.py is: $MADV_SCNHOST, else the shared tools folder of this workspace.</summary>
    public static readonly string Path = Environment.GetEnvironmentVariable("MADV_SCNHOST") ?? "/work/shared/tools/scnhost.py";

    /// <summary>python3 on PATH, or null.</summary>
    public static readonly string? Python = FindOnPath("python3");

    /// <summary>Runs scnhost.py on <paramref name="scn"/> and returns its exit code and standard output.</summary>
    public static (int ExitCode, string Output) Run(string scn)
    {
        var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"madv-host-test-{Guid.NewGuid():N}.scn");
        File.WriteAllText(file, scn);
        try
        {
            var start = new ProcessStartInfo(Python!, [Path, file])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output + stderr.Result);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
