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

    /// <summary>True when the run measured more than one thread count: the ratio columns then compare thread counts.</summary>
    public bool ComparesThreads
    {
        get
        {
            var workloads = Measurement.Workloads;
            for (var i = 1; i < workloads.Count; i++)
            {
                if (workloads[i].Threads != workloads[0].Threads)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// The ratio columns, as (numerator, denominator) indices into the workloads: with several
    /// thread counts, each kernel at N threads over the same kernel at the fewest; otherwise each
    /// simulated profile over PerRangeLock (the series' after/before), when PerRangeLock was measured.
    /// </summary>
    public IReadOnlyList<(int Numerator, int Denominator)> RatioPairs
    {
        get
        {
            var workloads = Measurement.Workloads;
            var pairs = new List<(int, int)>();
            var threads = ComparesThreads;
            var fewest = int.MaxValue;
            foreach (var w in workloads)
            {
                fewest = Math.Min(fewest, w.Threads);
            }

            for (var i = 0; i < workloads.Count; i++)
            {
                var w = workloads[i];
                for (var j = 0; j < workloads.Count; j++)
                {
                    var d = workloads[j];
                    var match = threads
                        ? w.Threads != fewest && d.Threads == fewest && d.Target == w.Target && d.Profile == w.Profile
                        : i != j && w.Target == "sim" && d.Target == "sim" && d.Profile == BaselineProfile && d.Threads == w.Threads;
                    if (match)
                    {
                        pairs.Add((i, j));
                    }
                }
            }

            return pairs;
        }
    }
}
