using Madvise.Host.Tests.Shared;
using Madvise.Abi;

namespace Madvise.Host.Tests.Batcher;

/// <summary>Why a batcher test cannot run here, or null; evaluated once at discovery.</summary>
internal static class BatcherRequirements
{
    /// <summary>mlock(2) of a page is refused (no CAP_IPC_LOCK and a small RLIMIT_MEMLOCK).</summary>
    public static readonly string? Mlock = ProbeMlock();

    private static string? ProbeMlock()
    {
        var page = HostMemory.Mmap(0, (nuint)PageSize.PAGE_SIZE, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS);
        try
        {
            return HostMemory.TryMlock(page, (nuint)PageSize.PAGE_SIZE, out var errno) ? null : $"mlock refused ({Errno.Name(errno)})";
        }
        finally
        {
            HostMemory.Munmap(page, (nuint)PageSize.PAGE_SIZE);
        }
    }
}

/// <summary>A batcher test that locks pages to make the kernel refuse DONTNEED; skipped where mlock is refused.</summary>
public sealed class MlockFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when process_madvise or mlock is unusable.</summary>
    public MlockFactAttribute() => Skip = HostRequirements.ProcessMadvise ?? BatcherRequirements.Mlock;
}

/// <summary>A batcher theory that needs a seccomp filter on a thread; skipped where none can be installed.</summary>
public sealed class SeccompTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when process_madvise or seccomp filters are unavailable.</summary>
    public SeccompTheoryAttribute() => Skip = HostRequirements.ProcessMadvise ?? SeccompRefusal.Unavailable;
}

/// <summary>A batcher theory that needs the batcher to start on process_madvise; skipped where it is unusable.</summary>
public sealed class ProcessMadviseTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when process_madvise is unusable.</summary>
    public ProcessMadviseTheoryAttribute() => Skip = HostRequirements.ProcessMadvise;
}
