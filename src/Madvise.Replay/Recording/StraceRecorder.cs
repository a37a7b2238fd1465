using System.Diagnostics;
using System.Globalization;
using Madvise.Measurement.Reporting;

namespace Madvise.Replay.Recording;

/// <summary>
/// Runs strace with the options <c>madv replay</c> reads, and records /proc/PID/maps of the
/// first process at the start of the trace: for a command, while strace holds it at its first
/// mmap() after execve (before ld.so, or a static program's runtime, maps anything; a Go program
/// never calls brk()); for an attach, just before strace attaches.
/// </summary>
public static class StraceRecorder
{
    /// <summary>The system calls traced: memory, process_madvise and pidfd_open, and the process events a replay follows.</summary>
    public const string Filter = "%memory,process_madvise,pidfd_open,clone,clone3,fork,vfork,execve,exit_group,exit";

    /// <summary>x86-64 number of mmap, as /proc/PID/syscall shows it while the call is held.</summary>
    private const string MmapNumber = "9";

    /// <summary>strace's path on <paramref name="searchPath"/> (default: PATH), or null when it is not installed.</summary>
    public static string? FindStrace(string? searchPath = null)
    {
        foreach (var dir in (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, "strace");
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>strace's arguments for <paramref name="request"/>.</summary>
    public static IReadOnlyList<string> Arguments(TraceRequest request)
    {
        var args = new List<string> { "-f", "-ttt", "-T", "-e", "trace=" + Filter, "-o", request.LogPath };
        if (request.Pid is { } pid)
        {
            args.Add("-p");
            args.Add(pid.ToString(CultureInfo.InvariantCulture));
            return args;
        }

        if (request.MapsPath is not null && request.MapsDelay > TimeSpan.Zero)
        {
            args.Add("-e");
            args.Add(string.Create(CultureInfo.InvariantCulture, $"inject=mmap:delay_enter={(long)request.MapsDelay.TotalMicroseconds}:when=1"));
        }

        args.Add("--");
        args.AddRange(request.Command ?? throw new ArgumentException("a command or a pid is needed", nameof(request)));
        return args;
    }

    /// <summary>
    /// Records: starts strace (its output and the command's go to this process's terminal),
    /// captures the maps, waits for strace to end. <paramref name="cancel"/> interrupts strace
    /// (which detaches from an attached process, or ends with the command it started).
    /// </summary>
    /// <exception cref="System.ComponentModel.Win32Exception">strace cannot be started.</exception>
    public static TraceResult Record(TraceRequest request, string strace, CancellationToken cancel = default)
    {
        string? mapsText = null;
        string? problem = null;
        if (request.Pid is { } pid && request.MapsPath is not null)
        {
            // Attach: the address space as it is just before strace attaches.
            mapsText = TryRead($"/proc/{pid}/maps", out problem);
        }

        var start = new ProcessStartInfo(strace) { UseShellExecute = false };
        foreach (var a in Arguments(request))
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("strace did not start");
        using var registration = cancel.Register(() => Interrupt(process));
        if (request.Pid is null && request.MapsPath is not null)
        {
            if (request.MapsDelay > TimeSpan.Zero)
            {
                mapsText = CaptureAtFirstMmap(process, out problem);
            }
            else
            {
                problem = "no hold at the first mmap() was asked for";
            }
        }

        process.WaitForExit();
        if (mapsText is null || request.MapsPath is null)
        {
            return new TraceResult(process.ExitCode, null, 0, request.MapsPath is null ? null : problem);
        }

        AtomicFile.WriteText(request.MapsPath, w => w.Write(mapsText));
        var lines = mapsText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        return new TraceResult(process.ExitCode, request.MapsPath, lines, null);
    }

    /// <summary>
    /// Polls for strace's first child and reads its maps while it is held in its first mmap():
    /// /proc/PID/syscall shows mmap, before and after the read, and the image is no longer strace's.
    /// </summary>
    private static string? CaptureAtFirstMmap(Process strace, out string? problem)
    {
        var stracePid = strace.Id;
        var self = TryReadLink($"/proc/{stracePid}/exe");
        while (!strace.HasExited)
        {
            var children = TryRead($"/proc/{stracePid}/task/{stracePid}/children", out _);
            var first = children?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (first is not null && int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var child))
            {
                var syscall = TryRead($"/proc/{child}/syscall", out _);
                var exe = TryReadLink($"/proc/{child}/exe");
                if (syscall is not null && syscall.StartsWith(MmapNumber + " ", StringComparison.Ordinal) && exe is not null && exe != self)
                {
                    var maps = TryRead($"/proc/{child}/maps", out problem);
                    var after = TryRead($"/proc/{child}/syscall", out _);
                    if (maps is not null && after is not null && after.StartsWith(MmapNumber + " ", StringComparison.Ordinal))
                    {
                        return maps;
                    }

                    problem ??= "the process left its first mmap() before its maps were read (try a longer --maps-delay)";
                    return null;
                }

                if (exe is not null && exe != self && syscall is not null && !syscall.StartsWith("running", StringComparison.Ordinal)
                    && TryRead($"/proc/{child}/maps", out _) is { } current && current.Contains("ld-linux", StringComparison.Ordinal) && current.Split('\n').Length > 30)
                {
                    // The program runs and has mapped its libraries: the hold was missed.
                    problem = "the first mmap() was missed (the machine is busy: try a longer --maps-delay)";
                    return null;
                }
            }

            Thread.Sleep(1);
        }

        problem = "strace ended before the first process's first mmap()";
        return null;
    }

    private static void Interrupt(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                // SIGINT: strace detaches from an attached process, or ends with the command it runs.
                using var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
                kill?.WaitForExit();
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It has exited meanwhile, or kill is missing: waiting ends with strace anyway.
        }
    }

    private static string? TryRead(string path, out string? problem)
    {
        try
        {
            problem = null;
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"{path}: {ex.Message}";
            return null;
        }
    }

    private static string? TryReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
