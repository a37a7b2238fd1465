using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Scenarios.Sim;

namespace Madvise.Scenarios.Tests.Fuzzing;

/// <summary>The fuzzer's audit finds what it looks for: a lock left held, a frame count gone wrong, a lock that cannot be taken again.</summary>
public sealed class SimKernelAuditTests : IDisposable
{
    private readonly SimTarget _target = new();

    public SimKernelAuditTests() =>
        ScenarioRunner.Run(ScenarioParser.Parse("mmap A 8p rw private,anon\nwrite A 8p 0x11\nfork C\nin C: write A 2p 0x22\nfile F 2p 0x33\nmmap M 2p r shared fd=F\nread M 2p\n", "audit.scn"), _target, TextWriter.Null);

    public void Dispose() => _target.Dispose();

    private MmStruct Mm => _target.Kernel.Processes.Snapshot()[0].Mm!;

    [Fact]
    public void AKernelAfterARun_PassesAndCanBeAuditedAgain()
    {
        Assert.Null(new SimKernelAudit().Check(_target.Kernel));
        Assert.Null(new SimKernelAudit().Check(_target.Kernel));
    }

    [Fact]
    public void AnMmapLockLeftHeld_Found()
    {
        var token = Mm.MmapLock.AcquireRead();
        try
        {
            Assert.Equal("an mmap_lock is still held after the run (write False, readers 1)", new SimKernelAudit().Check(_target.Kernel));
        }
        finally
        {
            Mm.MmapLock.ReleaseRead(token);
        }
    }

    [Fact]
    public void APageTableLockLeftHeld_Found()
    {
        var table = Table(Mm);
        table.Ptl.Enter();
        try
        {
            Assert.StartsWith("the page-table lock of the table at 0x", new SimKernelAudit().Check(_target.Kernel), StringComparison.Ordinal);
        }
        finally
        {
            table.Ptl.Exit();
        }
    }

    [Fact]
    public void AFrameWithAReferenceTooMany_Found()
    {
        var table = Table(Mm);
        var pfn = Enumerable.Range(0, PteTable.EntryCount).Select(table.Get).First(p => p.IsPresent).Pfn;
        ref var frame = ref _target.Kernel.Memory.Frame(pfn);
        frame.RefCount++;
        try
        {
            Assert.StartsWith($"frame audit: frame {pfn} ", new SimKernelAudit().Check(_target.Kernel), StringComparison.Ordinal);
        }
        finally
        {
            _target.Kernel.Memory.Frame(pfn).RefCount--;
        }
    }

    /// <summary>A VMA read lock left behind is invisible until a writer waits for it: the audit stops there, and says where.</summary>
    [Fact]
    public async Task AVmaReadLockLeftHeld_TheAuditWaitsInTheUnmapAndSaysSo()
    {
        Kernel.Mm.Vmas.Vma? vma = null;
        foreach (var v in Mm.Vmas)
        {
            vma ??= v;
        }

        Assert.True(vma!.Lock.TryRead());
        var audit = new SimKernelAudit();
        var check = Task.Run(() => audit.Check(_target.Kernel));
        try
        {
            Assert.True(SpinWait.SpinUntil(() => audit.Phase == "unmapping every address space whole", TimeSpan.FromMinutes(2)), audit.Phase);
            Assert.NotSame(check, await Task.WhenAny(check, Task.Delay(200)));
            Assert.Equal("unmapping every address space whole", audit.Phase);
        }
        finally
        {
            vma.Lock.EndRead();
        }

        Assert.Null(await check);
    }

    private static PteTable Table(MmStruct mm)
    {
        PteTable? first = null;
        mm.PageTable.ForEachTable((_, table) => first ??= table.Used > 0 ? table : null);
        return first!;
    }
}
