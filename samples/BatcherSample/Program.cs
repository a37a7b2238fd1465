// The Madvise.Host package's README example, as a program: it references the package only
// (no simulator, no project of this repository) and checks what the kernel did.
using Madvise.Abi;
using Madvise.Host;

const int Size = 16 << 20;
const int Page = 4096;

using var region = MappedRegion.Allocate(Size);               // private anonymous, read-write
region.GetSpan(0, Size).Fill(0xAB);                            // use the memory: every page resident
using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED,
    new AdviceBatcherOptions { MaxRangesPerCall = 64 });       // optional cap: bounds one call's mmap_lock hold
for (nuint offset = 0; offset < Size; offset += 2 * Page)
    batcher.AddAtOffset(offset, Page);                         // no system call yet, no allocation once grown
long advised = batcher.Flush();                                // 2,048 ranges (8 MiB) in 32 process_madvise calls

Console.WriteLine($"{advised} bytes advised in {batcher.SystemCalls} system calls " +
    (batcher.UsesProcessMadvise ? "(process_madvise)" : $"(madvise fallback, errno {Errno.Name(batcher.FallbackErrno)})"));

// DONTNEED on private anonymous memory: the advised pages read as zero, the others kept their bytes.
for (var page = 0; page < Size / Page; page++)
{
    var expected = page % 2 == 0 ? (byte)0 : (byte)0xAB;
    if (region.GetSpan((nuint)(page * Page), Page).IndexOfAnyExcept(expected) >= 0)
    {
        Console.Error.WriteLine($"page {page}: expected every byte 0x{expected:x2}");
        return 1;
    }
}

if (advised != Size / 2)
{
    Console.Error.WriteLine($"advised {advised} bytes, expected {Size / 2}");
    return 1;
}

Console.WriteLine("ok: even pages dropped, odd pages kept");
return 0;
