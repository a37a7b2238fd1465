using System.Globalization;
using System.Runtime.CompilerServices;
using Madvise.Kernel;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using static Madvise.Abi.PageSize;

namespace Madvise.Bench.Mm;

/// <summary>
/// Issue 2's memory goal: bytes of metadata per resident page beyond its 4 KiB of data, measured
/// (managed heap growth, process RSS growth) and broken down by structure. Not a timing
/// benchmark: run with <c>dotnet run -c Release --project bench/Madvise.Bench -- --footprint</c>.
/// </summary>
public static class MetadataFootprint
{
    /// <summary>Pages made resident (256 MiB).</summary>
    private const int Pages = 65536;

    /// <summary>Measures a fresh kernel before and after faulting <see cref="Pages"/> anonymous pages in, and prints the breakdown.</summary>
    public static void Run(TextWriter output)
    {
        const ulong bytes = Pages * PAGE_SIZE;

        // What one PTE table costs on the managed heap, measured: its descriptor (lock, counts).
        // Its 512 entries are a frame of simulated RAM, like every upper level.
        using var scratch = new PhysicalMemory(16UL << 20);
        var scratchTables = new PageTable(scratch);
        scratchTables.LookupOrCreate(0x1000_0000_0000UL);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var table = scratchTables.LookupOrCreate(0x1000_0020_0000UL);
        var pteTableBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(table);

        using var process = new BenchProcess(KernelProfile.PerVmaLock, 2 * bytes);
        var addr = process.MapAnonymous(bytes);
        var mm = process.Mm;
        var memory = process.Kernel.Memory;
        var framesBefore = memory.CreatedFrames;
        var tablesBefore = mm.PteTableCount;

        var managed0 = GC.GetTotalMemory(forceFullCollection: true);
        var rss0 = ResidentBytes();
        var allocated0 = GC.GetTotalAllocatedBytes(precise: true);

        process.TouchPages(addr, Pages);

        var allocated1 = GC.GetTotalAllocatedBytes(precise: true);
        var managed1 = GC.GetTotalMemory(forceFullCollection: true);
        var rss1 = ResidentBytes();
        var resident = mm.Rss;
        var newFrames = memory.CreatedFrames - framesBefore;
        var newTables = mm.PteTableCount - tablesBefore;

        var managedGrowth = (double)(managed1 - managed0) / resident;
        var frameBytes = (double)newFrames * Unsafe.SizeOf<PageFrame>() / resident;
        var frameArrayHeaders = (double)(newFrames / PhysicalMemory.FramesPerChunk) * 24 / resident;
        var tableBytes = (double)newTables * pteTableBytes / resident;
        var rest = managedGrowth - frameBytes - frameArrayHeaders - tableBytes;
        var rssBeyondData = ((double)(rss1 - rss0) / resident) - PAGE_SIZE;

        // Steady state: once frames have been freed, the allocator's free stack has a slot for each.
        process.Advise(addr, bytes, Madvise.Abi.MemoryAdvice.MADV_DONTNEED);
        process.TouchPages(addr, Pages);
        var managed2 = GC.GetTotalMemory(forceFullCollection: true);
        var rss2 = ResidentBytes();
        var steadyGrowth = (double)(managed2 - managed0) / mm.Rss;

        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"Resident pages: {resident}; frames created: {newFrames}; PTE tables created: {newTables} ({pteTableBytes} B each)"));
        output.WriteLine(string.Create(c, $"Managed heap growth per resident page: {managedGrowth,8:F2} B  (allocated while faulting: {(double)(allocated1 - allocated0) / resident:F2} B/page)"));
        output.WriteLine(string.Create(c, $"  PageFrame ({Unsafe.SizeOf<PageFrame>()} B; LRU links inside): {frameBytes,8:F2} B"));
        output.WriteLine(string.Create(c, $"  frame array headers:              {frameArrayHeaders,8:F2} B"));
        output.WriteLine(string.Create(c, $"  PTE table descriptors:            {tableBytes,8:F2} B  (the PTEs themselves, 8 B per page, are in frames of simulated RAM: {mm.PageTableFrames} table frames)"));
        output.WriteLine(string.Create(c, $"  rest (free stack, upper levels):  {rest,8:F2} B"));
        output.WriteLine(string.Create(c, $"After one MADV_DONTNEED + refault cycle: {steadyGrowth,8:F2} B per resident page (the free stack's slot per frame included); RSS beyond data {((double)(rss2 - rss0) / mm.Rss) - PAGE_SIZE:F2} B"));
        output.WriteLine(string.Create(c, $"Native bytes that are not frames: 0 (native memory is only frames, 2 MiB chunks: page data and page tables)"));
        output.WriteLine(string.Create(c, $"Process RSS growth per resident page beyond 4096 B: {rssBeyondData,8:F2} B (GC heap commit granularity included)"));
    }

    /// <summary>The process's resident set size (VmRSS), in bytes.</summary>
    private static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
