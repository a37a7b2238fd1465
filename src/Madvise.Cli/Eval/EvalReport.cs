namespace Madvise.Cli.Eval;

/// <summary>Everything a <c>madv eval</c> report shows: the machine, the workload, the measurement and notes.</summary>
/// <param name="Machine">Where it ran.</param>
/// <param name="Spec">Buffer, unit and hint.</param>
/// <param name="Measurement">The cells.</param>
/// <param name="StartedUtc">When the run started.</param>
/// <param name="Notes">Facts the reader needs (e.g. why a host column has no vector rows).</param>
internal sealed record EvalReport(MachineInfo Machine, WorkloadSpec Spec, EvalMeasurement Measurement, DateTimeOffset StartedUtc, IReadOnlyList<string> Notes)
{
    /// <summary>The baseline profile of the ratio columns: the series' "before".</summary>
    public const string BaselineProfile = nameof(Kernel.KernelProfile.PerRangeLock);

    /// <summary>Index of the baseline workload (sim, PerRangeLock), or -1 when it was not measured.</summary>
    public int BaselineIndex
    {
        get
        {
            var workloads = Measurement.Workloads;
            for (var i = 0; i < workloads.Count; i++)
            {
                if (workloads[i].Target == "sim" && workloads[i].Profile == BaselineProfile)
                {
                    return i;
                }
            }

            return -1;
        }
    }

    /// <summary>Indices of the workloads that get a ratio column (every sim profile but the baseline), when a baseline exists.</summary>
    public IReadOnlyList<int> RatioIndices
    {
        get
        {
            var baseline = BaselineIndex;
            var list = new List<int>();
            if (baseline < 0)
            {
                return list;
            }

            var workloads = Measurement.Workloads;
            for (var i = 0; i < workloads.Count; i++)
            {
                if (i != baseline && workloads[i].Target == "sim")
                {
                    list.Add(i);
                }
            }

            return list;
        }
    }
}
