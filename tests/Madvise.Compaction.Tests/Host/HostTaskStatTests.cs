using System.Diagnostics;
using System.Globalization;
using Madvise.Compaction.Engine;
using Madvise.Compaction.Host;

namespace Madvise.Compaction.Tests.Host;

/// <summary>Targets with no memory to compact — kernel threads, zombies — are refused with a clear message before any call.</summary>
public class HostTaskStatTests
{
    [Fact]
    public void ParsesStateAndFlagsAfterTheLastParenthesis()
    {
        Assert.True(HostTaskStat.TryParse("4321 (a) b (c)) S 1 4321 4321 0 -1 4194560 95 0 0 0", out var user));
        Assert.Equal(('S', 4194560UL, false, false), (user.State, user.Flags, user.IsKernelThread, user.IsZombie));

        Assert.True(HostTaskStat.TryParse("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0", out var kthread));
        Assert.True(kthread.IsKernelThread);

        Assert.True(HostTaskStat.TryParse("77 (sleep) Z 75 74 1 0 -1 4227084 95 0", out var zombie));
        Assert.True(zombie.IsZombie);

        Assert.False(HostTaskStat.TryParse("77 (sleep", out _));
        Assert.False(HostTaskStat.TryParse("77 (sleep) Z 75 74 1 0 -1 x", out _));
    }

    [KernelThreadFact]
    public void AKernelThreadIsRefused()
    {
        var e = Assert.Throws<CompactionException>(() => new HostCompactionTarget(KernelThreadFactAttribute.Pid!.Value));
        Assert.Equal(Errno.ESRCH, e.Errno);
        Assert.Contains("is a kernel thread: it has no user memory to compact", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AZombieIsRefused()
    {
        // The shell starts a child, then becomes `sleep`, which never reaps it. The child exits only
        // once its parent is `sleep`: a shell that reaped it before the exec would leave no zombie.
        const string Script = """
            sh -c 'while [ "$(cat /proc/$PPID/comm)" != sleep ]; do sleep 0.01; done' &
            echo $!
            exec sleep 60
            """;
        using var parent = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", Script]) { RedirectStandardOutput = true })!;
        try
        {
            var pid = int.Parse(parent.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
            var deadline = Stopwatch.StartNew();
            while (!(HostTaskStat.TryRead(pid, out var stat) && stat.IsZombie))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"pid {pid} never became a zombie");
                Thread.Sleep(10);
            }

            var e = Assert.Throws<CompactionException>(() => new HostCompactionTarget(pid));
            Assert.Equal(Errno.ESRCH, e.Errno);
            Assert.Contains("has exited (a zombie its parent has not reaped yet)", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            parent.Kill();
            parent.WaitForExit();
        }
    }
}

/// <summary>A test that needs a kernel thread in this pid namespace (there is none inside a container's own).</summary>
public sealed class KernelThreadFactAttribute : FactAttribute
{
    /// <summary>A kernel thread's pid, or null.</summary>
    public static readonly int? Pid = Find();

    /// <summary>Skips when no kernel thread is visible.</summary>
    public KernelThreadFactAttribute() => Skip = Pid is null ? "no kernel thread is visible in this pid namespace" : null;

    private static int? Find()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && HostTaskStat.TryRead(pid, out var stat) && stat.IsKernelThread)
            {
                return pid;
            }
        }

        return null;
    }
}
