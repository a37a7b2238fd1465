using Madvise.Host.Tests.Shared;
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
}
