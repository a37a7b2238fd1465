using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using Madvise.Host;

namespace Madvise.Scenarios.Host;

/// <summary>Finds the <c>madv</c> tool next to the running assemblies and starts it as an agent.</summary>
internal static class AgentLauncher
{
    /// <summary>
    /// The command that runs <c>madv</c>: the running <c>madv</c> apphost itself; else
    /// <c>madv.dll</c> under the dotnet host running this process (tests, <c>dotnet madv.dll</c>);
    /// else a <c>madv</c> apphost in the same folder. Null when none is there.
    /// </summary>
    internal static string[]? Locate()
    {
        var processPath = Environment.ProcessPath;
        var processName = processPath is null ? null : Path.GetFileName(processPath);
        if (processName == "madv")
        {
            return [processPath!];
        }

        var dll = Path.Combine(AppContext.BaseDirectory, "madv.dll");
        if (File.Exists(dll))
        {
            var host = processName == "dotnet" ? processPath : DotnetHost();
            if (host is not null)
            {
                return [host, "exec", "--runtimeconfig", RuntimeConfig(dll), dll];
            }
        }

        var apphost = Path.Combine(AppContext.BaseDirectory, "madv");
        return File.Exists(apphost) ? [apphost] : null;
    }

    /// <summary>
    /// Starts an agent pinned to <paramref name="cpu"/> and waits for its hello.
    /// </summary>
    /// <returns>The task, or null with <paramref name="failure"/> set to the step's result (<c>-ERRNO</c> or <c>SKIP(...)</c>).</returns>
    internal static AgentTask? Start(HostScenarioTarget target, string name, int cpu, out string? failure)
    {
        var command = Locate();
        if (command is null)
        {
            failure = "SKIP(no madv agent next to " + AppContext.BaseDirectory + ")";
            return null;
        }

        var r = HarnessSyscalls.SocketPair(out var ours, out var theirs);
        if (r < 0)
        {
            failure = Abi.Errno.Format(r);
            return null;
        }

        var parent = HarnessSyscalls.GetPid();
        string[] argv = [.. command, "agent", "cpu=" + cpu.ToString(CultureInfo.InvariantCulture), "parent=" + parent.ToString(CultureInfo.InvariantCulture)];
        var pid = HarnessSyscalls.Spawn(command[0], argv, CurrentEnvironment(), theirs);
        HarnessSyscalls.Close(theirs);
        var channel = new AgentChannel(ours, ownsSocket: true);
        if (pid < 0)
        {
            channel.Dispose();
            failure = Abi.Errno.Format(pid);
            return null;
        }

        var pidfd = HarnessSyscalls.PidfdOpen((int)pid, 0);
        var received = new List<int>();
        if (pidfd < 0 || channel.Receive(received) <= 0)
        {
            // It died at start (its standard error says why) or cannot be watched.
            channel.Dispose();
            if (pidfd >= 0)
            {
                HarnessSyscalls.PidfdSendSignal((int)pidfd, HarnessSyscalls.SIGKILL);
                HarnessSyscalls.Close((int)pidfd);
            }

            HarnessSyscalls.WaitPid((int)pid, noHang: false);
            failure = "SKIP(agent did not start: " + string.Join(' ', argv) + ")";
            return null;
        }

        foreach (var fd in received)
        {
            HarnessSyscalls.Close(fd);
        }

        failure = null;
        return new AgentTask(target, name, (int)pid, channel, new SafePidfdHandle((int)pidfd, ownsHandle: true));
    }

    /// <summary>The dotnet host of the running runtime: <c>DOTNET_HOST_PATH</c>, or <c>dotnet</c> three folders above the runtime directory.</summary>
    private static string? DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var candidate = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        return File.Exists(candidate) ? candidate : null;
    }

    /// <summary>madv's own runtimeconfig when it was copied along, else the running application's (same runtime).</summary>
    private static string RuntimeConfig(string dll)
    {
        var own = Path.ChangeExtension(dll, ".runtimeconfig.json");
        if (File.Exists(own))
        {
            return own;
        }

        var entry = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name;
        var running = entry is null ? null : Path.Combine(AppContext.BaseDirectory, entry + ".runtimeconfig.json");
        return running is not null && File.Exists(running) ? running : own;
    }

    /// <summary>
    /// The runtime's diagnostics that leave files behind, switched off in agents: the diagnostic
    /// IPC socket (<c>/tmp/dotnet-diagnostic-PID-*-socket</c>) and the debugger transport's
    /// pipes (<c>/tmp/clr-debug-pipe-PID-*-in/out</c>). The runtime removes them when it exits
    /// normally; a killed agent (a scenario's <c>kill -9</c>, Dispose's SIGKILL after the grace
    /// period) left three files in /tmp each. .NET 8 and later honour these two variables
    /// (checked on .NET 10: none of the files is created); the profiler, which creates no file,
    /// stays available.
    /// </summary>
    internal static readonly string[] QuietDiagnostics = ["DOTNET_EnableDiagnostics_IPC=0", "DOTNET_EnableDiagnostics_Debugger=0"];

    /// <summary>This process's environment as NAME=VALUE strings, with <see cref="QuietDiagnostics"/> in place of any setting of theirs.</summary>
    private static List<string> CurrentEnvironment()
    {
        var result = new List<string>();
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            var entry = e.Key + "=" + e.Value;
            if (!Array.Exists(QuietDiagnostics, q => q.StartsWith(e.Key + "=", StringComparison.Ordinal)))
            {
                result.Add(entry);
            }
        }

        result.AddRange(QuietDiagnostics);
        return result;
    }
}
