using Madvise.Abi;
using Madvise.Scenarios;
using Madvise.Scenarios.Host;
using static Madvise.Host.Tests.Shared.ScriptContext;

namespace Madvise.Host.Tests.Target;

/// <summary>Callers on many threads share one target: every call is handed to the one step thread.</summary>
public sealed class StepThreadTests
{
    /// <summary>Rounds per caller; MADV_STRESS=1 makes the run long.</summary>
    private static readonly int Rounds = Environment.GetEnvironmentVariable("MADV_STRESS") == "1" ? 2000 : 50;

    [Fact]
    public void ConcurrentCallersEachSeeTheirOwnResults()
    {
        using var target = new HostScenarioTarget();
        var self = target.Self;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var progress = new int[6];
        var threads = new Thread[progress.Length];
        for (var t = 0; t < threads.Length; t++)
        {
            var id = t;
            threads[t] = new Thread(() =>
            {
                for (var round = 0; round < Rounds; round++)
                {
                    var value = (byte)((id * 31) + round);
                    var mapped = self.Mmap(0, 2 * P, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, null, 0, out var a);
                    var written = mapped == 0 ? self.Write(a, 2 * P, value) : 0;
                    if (mapped != 0 || written != 0)
                    {
                        failures.Enqueue($"caller {id} round {round}: mmap {mapped}, write {written} ({target.LastSkipReason})");
                        continue;
                    }

                    var runs = new ByteRuns();
                    var dropped = self.Madvise(a + P, P, MemoryAdvice.MADV_DONTNEED);
                    var read = self.Read(a, 2 * P, runs);
                    var unmapped = self.Munmap(a, 2 * P);
                    if (read != 0 || dropped != 0 || runs.ToString() != Expected(value) || unmapped != 0)
                    {
                        failures.Enqueue($"caller {id} round {round}: madvise {dropped}, read {read} '{runs}', munmap {unmapped} ({target.LastSkipReason})");
                    }

                    progress[id]++;
                }
            });
            threads[t].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.True(failures.IsEmpty, string.Join('\n', failures));
        Assert.All(progress, p => Assert.Equal(Rounds, p));
    }

    /// <summary>One page of <paramref name="value"/>, then a page of zeros, in the runner's form.</summary>
    private static string Expected(byte value)
    {
        var runs = new ByteRuns();
        runs.AppendRun(value, P);
        runs.AppendRun(0, P);
        return runs.ToString();
    }
}
