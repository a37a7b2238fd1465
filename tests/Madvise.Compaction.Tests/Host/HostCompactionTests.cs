using Madvise.Cli.Compact;
using Madvise.Measurement.Compaction;
using Madvise.Measurement.Workloads;
using Madvise.Compaction.Engine;
using Madvise.Compaction.Host;
using Madvise.Compaction.Layout;
using Madvise.Compaction.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Compaction.Tests.Host;

/// <summary>
/// The engine against a real child process (<c>madv compact-target</c>: a generated layout of
/// hundreds of mappings on top of the .NET runtime's own). Whether this host has swap decides what
/// PAGEOUT can free; the tests check what holds either way.
/// </summary>
public class HostCompactionTests
{
    private const ulong Mem = 24UL << 20;

    private const int Vmas = 300;

    private static readonly TargetLayout Layout = TargetLayout.Generate(Mem, Vmas, seed: 3);

    private static HostTargetProcess StartTarget() => HostTargetProcess.Start(MadvExecutable.Locate()!, Mem, Vmas, seed: 3, TimeSpan.FromMicroseconds(50));

    private static string CpusAllowed(int pid, int tid) =>
        File.ReadLines($"/proc/{pid}/task/{tid}/status").First(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))[18..].Trim();

    private static long Kib(MappingKind kind) => (long)Layout.Mappings.Where(m => m.Kind == kind).Sum(m => (double)m.TouchedBytes) / 1024;

    [HostCompactionFact]
    public void CompactsAChildWithHundredsOfMappingsWithinTheBudget()
    {
        using var child = StartTarget();
        using var target = new HostCompactionTarget(child.Pid);
        var calls = new List<CallRecord>();
        var engine = new CompactionEngine(target, new CompactionOptions { Budget = TimeSpan.FromMilliseconds(1) }) { CallCompleted = calls.Add };
        var result = engine.Run();

        Assert.Equal(CompactionOutcome.Completed, result.Outcome);
        Assert.True(result.Plan!.MappingsRead >= Vmas, $"{result.Plan.MappingsRead} mappings");
        Assert.Equal(result.Plan.Bytes, result.BytesAdvised + result.BytesSkipped);
        Assert.Equal(calls.Count, result.Calls);
        Assert.All(result.Errors, e => Assert.Contains(e.Errno, new[] { 0, Errno.EINVAL, Errno.ENOMEM }));

        // The locked mapping and [vvar] (VM_PFNMAP) are refused with EINVAL and skipped.
        Assert.Contains(result.Errors, e => e.Errno == Errno.EINVAL && e.Advice == MADV_PAGEOUT);
        Assert.NotNull(result.Before);
        Assert.NotNull(result.After);
        Assert.True(result.Before!.AnonKiB >= Kib(MappingKind.Anon), $"anon {result.Before.AnonKiB} KiB");
        if (result.SwapBefore!.TotalKiB == 0)
        {
            Assert.Contains(result.Notes, n => n.StartsWith("no swap", StringComparison.Ordinal));
        }
        else
        {
            Assert.True(result.AnonFreedKiB >= Kib(MappingKind.Anon) / 2, $"freed {result.AnonFreedKiB} KiB");
        }

        // Each call's prediction is a CPU time; what is asserted is the sizing, not the clock:
        // every call the model sized after its first few fits the budget as predicted.
        Assert.All(calls.Skip(3), c => Assert.True(c.PredictedNanoseconds <= 1_000_000, $"call {c.Sequence} predicted {c.PredictedNanoseconds} ns"));
    }

    [HostCompactionFact]
    public void FilePageoutFreesTheChildsFilePagesWithoutSwap()
    {
        using var child = StartTarget();
        using var target = new HostCompactionTarget(child.Pid);
        var result = new CompactionEngine(target, new CompactionOptions { Mode = CompactionMode.File, FilePageout = true }).Run();

        Assert.Equal(CompactionOutcome.Completed, result.Outcome);

        // The layout's read-only file pages are clean and mapped by this child alone: dropped.
        Assert.True(result.FileFreedKiB >= Kib(MappingKind.FileReadOnly) * 9 / 10, $"file freed {result.FileFreedKiB} of {Kib(MappingKind.FileReadOnly)} KiB");
    }

    [HostCompactionFact]
    public void FixedBatchingMakesFewerCallsForTheSameBytes()
    {
        using var child = StartTarget();
        using var target = new HostCompactionTarget(child.Pid);
        var fixedBatch = new CompactionEngine(target, new CompactionOptions { Strategy = SizingStrategy.Fixed, Mode = CompactionMode.Anon }).Run();
        child.Touch();
        var budget = new CompactionEngine(target, new CompactionOptions { Mode = CompactionMode.Anon, Budget = TimeSpan.FromMicroseconds(200) }).Run();

        Assert.Equal(CompactionOutcome.Completed, fixedBatch.Outcome);
        Assert.Equal(CompactionOutcome.Completed, budget.Outcome);
        Assert.True(budget.Calls > fixedBatch.Calls, $"budget {budget.Calls} calls, fixed {fixedBatch.Calls}");

        // Android's batches hold up to 1,024 mappings and 2 GiB: the runtime's reservations need a few.
        Assert.InRange(fixedBatch.Calls, 1, 64);
    }

    [HostCompactionFact]
    public void AChildKilledMidwayIsReportedWithWhatWasDone()
    {
        using var child = StartTarget();
        using var target = new HostCompactionTarget(child.Pid);
        var engine = new CompactionEngine(target, new CompactionOptions { Budget = TimeSpan.FromMicroseconds(100) })
        {
            CallCompleted = c =>
            {
                if (c.Sequence == 5)
                {
                    child.Kill();
                }
            },
        };
        var result = engine.Run();

        Assert.Equal(CompactionOutcome.TargetExited, result.Outcome);
        Assert.Equal(Errno.ESRCH, result.StopErrno);
        Assert.Equal(7, result.Calls);
        Assert.True(result.BytesAdvised > 0);
        Assert.Null(result.After);
    }

    [HostCompactionFact]
    public void ADryRunOfAChildMakesNoCall()
    {
        using var child = StartTarget();
        using var target = new HostCompactionTarget(child.Pid);
        var result = new CompactionEngine(target, new CompactionOptions { DryRun = true, Strategy = SizingStrategy.Fixed }).Run();

        Assert.Equal(CompactionOutcome.DryRun, result.Outcome);
        Assert.Equal(0, result.Calls);
        Assert.True(result.PlannedCalls >= 1);
        Assert.True(result.Plan!.Phases.Sum(p => p.Vmas) >= Vmas);
    }

    [HostCompactionFact]
    public void APinnedTargetRunsEveryThreadOfItsOwnOnThatCpu()
    {
        var cpu = ThreadAffinity.AllowedCpus()[^1];
        using var child = HostTargetProcess.Start(MadvExecutable.Locate()!, 16UL << 20, 64, seed: 3, TimeSpan.FromMicroseconds(50), cpu);

        // The main thread pinned itself before it started the writer thread, which inherits the mask.
        Assert.Equal(cpu.ToString(System.Globalization.CultureInfo.InvariantCulture), CpusAllowed(child.Pid, child.Pid));
        child.StartWriter();
        var pinned = Directory.GetDirectories($"/proc/{child.Pid}/task").Count(t => CpusAllowed(child.Pid, int.Parse(Path.GetFileName(t), System.Globalization.CultureInfo.InvariantCulture)) == cpu.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(pinned >= 2, $"{pinned} threads on CPU {cpu}");
        Assert.True(child.StopWriter().TotalCount > 0);
    }

    [HostCompactionFact]
    public void TheBenchmarkPinsTheCompactorOnlyDuringItsRuns()
    {
        var before = ThreadAffinity.AllowedCpus();
        var settings = new CompactBenchSettings(16UL << 20, 64, 3, 0, [], MadvExecutable.Locate(), CompactionMode.Anon, TimeSpan.FromMilliseconds(1), 1, TimeSpan.FromMilliseconds(100), TimeSpan.FromMicroseconds(50), [HostPlacement.Same]);
        var m = CompactBenchRunner.Run(settings, null, CancellationToken.None);

        Assert.Equal(["host, one CPU"], m.Kernels);
        Assert.All(m.Rows, r => Assert.Null(r.Error));
        Assert.Equal(2, m.Rows.Count(r => r.Runs.Count == 1));
        Assert.Equal(before, ThreadAffinity.AllowedCpus());
    }

    [Fact]
    public void APidThatIsNotAProcessIsReported()
    {
        var e = Assert.Throws<CompactionException>(() => new HostCompactionTarget(int.MaxValue));
        Assert.Equal(Errno.ESRCH, e.Errno);
        Assert.Equal(Errno.ESRCH, Assert.Throws<CompactionException>(() => new HostCompactionTarget(0)).Errno);
    }
}
