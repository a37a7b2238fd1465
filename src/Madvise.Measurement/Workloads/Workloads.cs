using Madvise.Abi;

namespace Madvise.Measurement.Workloads;

/// <summary>Creating the workloads of a <see cref="TargetSelection"/>: one fresh simulated kernel per profile, then the host.</summary>
public static class Workloads
{
    /// <summary>
    /// Creates them in column order — each profile at each thread count, then the host at each —
    /// on failure disposes those already made and rethrows. <paramref name="threads"/> defaults to [1].
    /// </summary>
    public static List<IAdviceWorkload> Create(TargetSelection targets, WorkloadSpec spec, IReadOnlyList<int>? threads = null, SiblingWork siblingWork = SiblingWork.Sleep)
    {
        threads ??= [1];
        var list = new List<IAdviceWorkload>();
        try
        {
            foreach (var profile in targets.Profiles)
            {
                foreach (var n in threads)
                {
                    list.Add(new SimWorkload(profile, spec, n, siblingWork));
                }
            }

            if (targets.Host)
            {
                foreach (var n in threads)
                {
                    list.Add(new HostWorkload(spec, n, siblingWork));
                }
            }

            return list;
        }
        catch
        {
            DisposeAll(list);
            throw;
        }
    }

    /// <summary>Bytes of frame metadata the simulated kernel keeps per resident page, rounded up (56 B measured; README "Benchmarks").</summary>
    private const ulong SimMetadataPerPage = 64;

    /// <summary>Room each simulated kernel gets beyond the buffer and its iovec array (SimWorkload).</summary>
    private const ulong SimExtra = 8UL << 20;

    /// <summary>
    /// The memory the workloads of <paramref name="targets"/> take at once once populated, with
    /// <paramref name="perKernel"/> workloads (thread counts) per profile and for the host: each
    /// simulated one holds its own buffer (real bytes plus frame metadata) and iovec array, each
    /// host one its mmap'd buffer and a native iovec array. They all live for the whole run,
    /// since configurations are measured interleaved.
    /// </summary>
    public static ulong MemoryNeeded(TargetSelection targets, WorkloadSpec spec, int perKernel = 1)
    {
        var vector = (ulong)spec.Units * IoVec.Size;
        var sim = spec.Mem + (spec.Mem / PageSize.PAGE_SIZE * SimMetadataPerPage) + vector + SimExtra;
        var host = targets.Host ? spec.Mem + vector : 0;
        return (ulong)perKernel * (((ulong)targets.Profiles.Count * sim) + host);
    }

    /// <summary>Disposes every workload.</summary>
    public static void DisposeAll(List<IAdviceWorkload> workloads)
    {
        foreach (var workload in workloads)
        {
            workload.Dispose();
        }

        workloads.Clear();
    }
}
