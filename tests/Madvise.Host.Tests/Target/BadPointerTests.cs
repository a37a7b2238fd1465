using Madvise.Host.Tests.Differential;
using Madvise.Host.Tests.Shared;
using Madvise.Scenarios;
using Madvise.Scenarios.Host;

namespace Madvise.Host.Tests.Target;

/// <summary>The page behind <c>badptr(N)</c> stays unmapped until process_madvise reads it.</summary>
public sealed class BadPointerTests
{
    /// <summary>
    /// The page is taken from the executor's arena, where only the scenario maps: a page the
    /// kernel placed among the runtime's mappings was mapped again by the runtime before the
    /// call (the host then printed -EINVAL for <c>pmadvise 9999 badptr(1) GUARD_INSTALL</c>).
    /// </summary>
    [ProcessMadviseFact]
    public void BadPointerPageLiesInTheArenaAndIsUnmapped()
    {
        using var executor = new TaskExecutor();
        var page = executor.MapAndUnmapPage();
        Assert.True(page > 0, $"mmap failed: {page}");
        Assert.InRange((ulong)page, executor.Arena.Bottom, executor.Arena.Top - 1);
        foreach (var m in Madvise.Host.ProcMaps.EnumerateMaps())
        {
            Assert.False(m.Overlaps((ulong)page, (ulong)page + 4096), $"the bad pointer's page is mapped: {m.Start:x}-{m.End:x} {m.Path}");
        }
    }

    /// <summary>
    /// Mapping the page leaves the scenario's own VMAs as they were, even when the arena puts it
    /// in a hole between two of them: a private page there merged with both sides, and its
    /// unmapping split them again with the merged flags, so the guarded neighbour's VM_MAYBE_GUARD
    /// (<c>gu</c>) spread to the other side (found by the random differential tests). The
    /// expectations are what scnhost.py prints on this kernel.
    /// </summary>
    [ProcessMadviseFact]
    public void BadPointerPageInAHoleLeavesTheNeighboursFlagsAlone()
    {
        const string Text = """
            mmap R 512p none private,anon,noreserve => ok
            mmap RA 16p rw private,anon,fixed at=R+2p => ok
            write RA 12p 0x11 => 0
            munmap R+3p 1p => 0
            madvise R+9p 8p GUARD_INSTALL => 0
            vmas R+2p 16p => [0p-1p rw-p; 2p-16p rw-p gu]
            pmadvise self badptr(1) DONTNEED => -EFAULT
            vmas R+2p 16p => [0p-1p rw-p; 2p-16p rw-p gu]
            """;
        var run = DifferentialRun.Of(ScenarioParser.Parse(Text, "badptr-hole.scn"));
        Assert.True(run.Host.Passed, run.Diagnostics + string.Join('\n', run.Host.Steps.Select(st => st.ToString())));
        Assert.True(run.Sim.Passed, run.Diagnostics);
        Assert.Empty(run.Comparison.Differences);
    }
}
