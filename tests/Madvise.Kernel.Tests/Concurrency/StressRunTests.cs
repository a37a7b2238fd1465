using Xunit.Sdk;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>The race tests' harness: a failure on any worker fails the test; the run ends only when every kind made progress.</summary>
public sealed class StressRunTests
{
    [Fact]
    public void KernelExceptionOnAWorkerFailsTheRunWithTheSeed()
    {
        using var kernel = new SimulatedKernel();
        var run = new StressRun(seed: 1234);
        run.Add("spinner", 1, w => w.Progress());

        // A double free, as a leaked or doubly dropped reference in the kernel would cause.
        run.Add("double free", 1, w =>
        {
            var pfn = kernel.Memory.Allocate(zero: false);
            kernel.Memory.Put(pfn);
            kernel.Memory.Put(pfn);
        });

        var e = Assert.Throws<FailException>(run.Run);
        Assert.Contains("[seed 1234] worker 'double free' failed", e.Message);
        Assert.Contains("reference count went negative", e.Message);
    }

    [Fact]
    public void RunEndsOnlyAfterEveryWorkerReachedItsQuotaAndTheCondition()
    {
        var run = new StressRun();
        long slowSteps = 0;
        var fast = run.Add("fast", 1, w => w.Progress());
        var slow = run.Add("slow", 50, w =>
        {
            Thread.Yield();
            Interlocked.Increment(ref slowSteps);
            w.Progress();
        });
        run.Until("the slow worker took 60 steps", () => Interlocked.Read(ref slowSteps) >= 60);

        run.Run();
        Assert.True(fast.Done >= 1);
        Assert.True(slow.Done >= 60, $"slow worker stopped after {slow.Done} steps");
    }
}
