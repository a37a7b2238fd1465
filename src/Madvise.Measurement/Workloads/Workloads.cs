namespace Madvise.Measurement.Workloads;

/// <summary>Creating the workloads of a <see cref="TargetSelection"/>: one fresh simulated kernel per profile, then the host.</summary>
public static class Workloads
{
    /// <summary>Creates them in column order; on failure disposes those already made and rethrows.</summary>
    public static List<IAdviceWorkload> Create(TargetSelection targets, WorkloadSpec spec)
    {
        var list = new List<IAdviceWorkload>();
        try
        {
            foreach (var profile in targets.Profiles)
            {
                list.Add(new SimWorkload(profile, spec));
            }

            if (targets.Host)
            {
                list.Add(new HostWorkload(spec));
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
