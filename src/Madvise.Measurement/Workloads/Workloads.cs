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
