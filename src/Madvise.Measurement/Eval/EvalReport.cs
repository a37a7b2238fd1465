namespace Madvise.Measurement.Eval;

/// <summary>Everything a <c>madv eval</c> report shows: the machine, the workload, the measurement and notes.</summary>
/// <param name="Machine">Where it ran.</param>
/// <param name="Settings">What was asked for.</param>
/// <param name="Measurement">The cells.</param>
/// <param name="StartedUtc">When the run started.</param>
public sealed record EvalReport(MachineInfo Machine, EvalSettings Settings, EvalMeasurement Measurement, DateTimeOffset StartedUtc)
{
    /// <summary>Buffer, unit and hint.</summary>
    public WorkloadSpec Spec => Settings.Spec;

    /// <summary>Facts the reader needs (e.g. why a host column has no vector rows).</summary>
    public IReadOnlyList<string> Notes => Settings.Targets.Notes;

    /// <summary>Unrecorded rounds before the first recorded one.</summary>
    public int Warmup => Settings.Warmup;

    /// <summary>The host CPU the advising thread was pinned to, or null.</summary>
    public int? PinCpu => Settings.PinCpu;

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
