using System.Runtime.InteropServices;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// Page tables are charged to the simulated RAM: a request that makes the kernel build tables
/// over a huge range runs the machine out of frames and fails as Linux fails when a page-table
/// allocation fails (checked on the host in a memory cgroup with the OOM killer disabled:
/// GUARD_INSTALL and POPULATE_READ -ENOMEM, mlock -EAGAIN, MAP_POPULATE succeeds), quickly and
/// without host memory beyond the configured RAM; unmapping gives every table back.
/// </summary>
public sealed class PageTableMemoryTests
{
    private const ulong Page = 4096;

    /// <summary>The reproducer's reservation: 127 TiB, 2^26 PTE tables' worth.</summary>
    private const ulong Huge = 0x7f0000000000;

    public static TheoryData<string, long> Requests() => new()
    {
        { "GUARD_INSTALL", -Errno.ENOMEM },
        { "POPULATE_READ", -Errno.ENOMEM },
        { "mlock", -Errno.EAGAIN },
        { "MAP_POPULATE", 0 },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void BuildingTablesOverAHugeRangeRunsTheMachineOutOfFramesAndFails(string request, long expected)
    {
        using var kernel = new SimulatedKernel(KernelConfig.Default with { MemoryBytes = 16UL << 20 });
        var task = kernel.CreateProcess();
        var prot = request == "GUARD_INSTALL" ? Prot.PROT_NONE : Prot.PROT_READ;
        var flags = MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_NORESERVE | (request == "MAP_POPULATE" ? MapFlags.MAP_POPULATE : 0);
        var z = Sys.Mmap(task, 0, Huge, (ulong)prot, (ulong)flags, -1, 0);
        Assert.True(z > 0, MmBuilder.Errno(z));

        var result = request switch
        {
            "GUARD_INSTALL" => Sys.Madvise(task, (ulong)z, Huge, MADV_GUARD_INSTALL),
            "POPULATE_READ" => Sys.Madvise(task, (ulong)z, Huge, MADV_POPULATE_READ),
            "mlock" => Sys.Mlock(task, (ulong)z, Huge),
            _ => 0,
        };
        MmBuilder.Expect(expected, result, request);

        // The machine's frames went to page tables, all of them the task's; nothing else leaked.
        var memory = kernel.Memory;
        Assert.Equal(0, memory.FreeFrames);
        Assert.Equal(memory.FramesInUse, memory.PageTableFrames);
        Assert.Equal(memory.TotalFrames, memory.CreatedFrames);
        task.Mm!.AssertInvariants();
        FrameAudit.Assert(kernel, [task.Mm!]);

        // Another task of the same machine gets no memory: its faults fail, it does not hang.
        var other = kernel.CreateProcess();
        var m = Sys.Mmap(other, 0, Page, 3, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0);
        Assert.True(m > 0);
        Assert.Equal(0, other.Mm!.FillUser((ulong)m, Page, 0x11));
        MmBuilder.Expect(-Errno.ENOMEM, Sys.Madvise(other, (ulong)m, Page, MADV_POPULATE_WRITE), "POPULATE_WRITE with no frame left");

        // Unmapping gives every table back; then the other task works.
        Assert.Equal(0, Sys.Munmap(task, (ulong)z, Huge));
        Assert.Equal(0, memory.PageTableFrames);
        Assert.Equal(Page, (ulong)other.Mm!.FillUser((ulong)m, Page, 0x11));
        task.Exit();
        other.Exit();
        Assert.Equal(0, memory.FramesInUse);
    }

    [Fact]
    public void ForkFailsWithEnomemWhenTheChildsTablesDoNotFitAndLeavesNothingBehind()
    {
        using var kernel = new SimulatedKernel(KernelConfig.Default with { MemoryBytes = 16UL << 20 });
        var parent = kernel.CreateProcess();

        // One resident page every 2 MiB: each needs a PTE table (and a PMD table every 1 GiB).
        var span = 4096UL * 2 * 1024 * 1024;
        var m = (ulong)Sys.Mmap(parent, 0, span, 3, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_NORESERVE, -1, 0);
        var touched = 0;
        for (var a = m; a < m + span && parent.Mm!.FillUser(a, 1, 0x5a) == 1; a += 2UL << 20)
        {
            touched++;
        }

        // The parent filled the machine with its pages and tables; a child's tables cannot fit.
        Assert.True(touched > 1000, $"{touched} pages touched");
        var before = kernel.Memory.FramesInUse;
        MmBuilder.Expect(-Errno.ENOMEM, Sys.Fork(parent, out var child), "fork");
        Assert.Null(child);
        Assert.Equal(before, kernel.Memory.FramesInUse);
        FrameAudit.Assert(kernel, [parent.Mm!]);
        parent.Mm!.AssertInvariants();
        parent.Exit();
        Assert.Equal(0, kernel.Memory.FramesInUse);
    }

    /// <summary>
    /// A huge entry is a value in the PMD table's frame, like any PMD entry, and the PTE table
    /// deposited behind it (so that a split never allocates) is a charged frame: a huge fault
    /// costs PGD, PUD, PMD and that table, and splitting points the PMD entry back to it.
    /// </summary>
    [Fact]
    public void AHugeEntryLivesInThePmdTablesFrameOverADepositedTableThatIsCharged()
    {
        using var b = new MmBuilder();
        var memory = b.Kernel.Memory;
        var addr = MmBuilder.Addr(0);
        b.Map(0, 512);
        Assert.Equal(0, b.Advise(0, 512, MADV_HUGEPAGE));
        b.Write(3, 1, 0x42);
        Assert.Equal(2048L, Assert.Single(b.Mm.Smaps(addr, Page)).AnonHugePages);
        Assert.Equal(4, memory.PageTableFrames);

        int pmdTable = -1, deposited = -1;
        b.Mm.PageTable.ForEachFrame((start, shift, pfn) =>
        {
            pmdTable = shift == 30 && start <= addr && addr - start < (1UL << 30) ? pfn : pmdTable;
            deposited = shift == 21 && start == addr ? pfn : deposited;
        });
        ulong PmdEntry() => MemoryMarshal.Read<ulong>(memory.Page(pmdTable)[(int)(((addr >> 21) & 511) * 8)..]);

        var huge = new Pmd(PmdEntry());
        Assert.True(Pmd.IsHugeEntry(huge.Raw), $"PMD entry {huge.Raw:x}");
        Assert.Equal(0x42, memory.Page(huge.Pfn + 3)[0]);
        Assert.True(memory.Page(deposited).IndexOfAnyExcept((byte)0) < 0, "the deposited table is empty");
        b.AssertInvariants();
        b.AssertFrames();

        // A split over part of the block fills the deposited table: no table is allocated.
        Assert.Equal(0, b.Advise(10, 1, MADV_DONTNEED));
        Assert.False(Pmd.IsHugeEntry(PmdEntry()));
        Assert.Equal((ulong)deposited, PmdEntry() >> 12);
        Assert.Equal(4, memory.PageTableFrames);
        Assert.Equal("42", b.Pattern(3, 1));
        b.AssertInvariants();
        b.AssertFrames();

        b.Unmap(0, 512);
        Assert.Equal(0, memory.PageTableFrames);
        Assert.Equal(0, b.DataFrames);
    }
}
