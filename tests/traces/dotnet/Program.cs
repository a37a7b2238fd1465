// Workload for tests/traces/dotnet/dotnet-gc.log (a `dotnet new console` app, Program.cs replaced):
// allocate small and large (LOH, >= 85,000 bytes) arrays, drop them and force aggressive,
// blocking, compacting gen2 collections, which decommit GC regions.
using System.Runtime;
using System.Runtime.CompilerServices;

GCSettings.LatencyMode = GCLatencyMode.Batch;

for (int round = 0; round < 4; round++)
{
    long sum = Churn(round);
    GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
    GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    Console.WriteLine($"round {round}: touched {sum}, heap {GC.GetTotalMemory(false) / 1024} KiB, committed {GC.GetGCMemoryInfo().TotalCommittedBytes / 1024} KiB");
    Thread.Sleep(100);
}

// Phase 2: background (concurrent) gen2 GCs over a fragmented LOH: half of the large arrays stay
// alive, so the free gaps between them are reset (madvise) instead of decommitted.
GCSettings.LatencyMode = GCLatencyMode.Interactive;
var live = new List<byte[]>();
for (int round = 0; round < 4; round++)
{
    var tmp = new List<byte[]>();
    for (int i = 0; i < 64; i++) { var a = new byte[1024 * 1024]; a[4096] = 1; (i % 2 == 0 ? live : tmp).Add(a); }
    tmp = null;
    GC.Collect(2, GCCollectionMode.Forced, blocking: false);
    Thread.Sleep(300);
}
Console.WriteLine($"phase 2: {live.Count} live arrays, committed {GC.GetGCMemoryInfo().TotalCommittedBytes / 1024} KiB");

[MethodImpl(MethodImplOptions.NoInlining)]
static long Churn(int round)
{
    var keep = new List<byte[]>();
    for (int i = 0; i < 2000; i++) keep.Add(new byte[16 * 1024]);      // 32 MiB small-object heap
    for (int i = 0; i < 64; i++) keep.Add(new byte[1024 * 1024]);       // 64 MiB large-object heap
    long sum = 0;
    foreach (var a in keep) { a[0] = (byte)round; sum += a.Length; }
    return sum;
}
