namespace Madvise.Cli.Eval;

/// <summary>The measurements of one configuration: one workload (target and profile) at one batch size.</summary>
internal sealed class EvalCell
{
    /// <summary>Sum of mmap_lock acquisitions over the passes (sim only).</summary>
    private long _locks;

    /// <summary>Sum of TLB shootdowns over the passes (sim only).</summary>
    private long _flushes;

    /// <summary>Whether the counters were observable (false on the host).</summary>
    private bool _counted;

    /// <summary>Creates an empty cell.</summary>
    public EvalCell(IAdviceWorkload workload, int batch)
    {
        Workload = workload;
        Batch = batch;
    }

    /// <summary>The workload measured.</summary>
    public IAdviceWorkload Workload { get; }

    /// <summary>process_madvise() vlen; 0 for the madvise() loop.</summary>
    public int Batch { get; }

    /// <summary>Pass times in nanoseconds.</summary>
    public RunningStatistics Time { get; } = new();

    /// <summary>Passes measured.</summary>
    public int Passes => Time.Count;

    /// <summary>Why the configuration stopped being measured; null while it works.</summary>
    public string? Error { get; private set; }

    /// <summary>mmap_lock acquisitions per pass; null where not observable or nothing was measured.</summary>
    public double? LocksPerPass => _counted && Passes > 0 ? (double)_locks / Passes : null;

    /// <summary>TLB shootdowns per pass; null where not observable or nothing was measured.</summary>
    public double? TlbFlushesPerPass => _counted && Passes > 0 ? (double)_flushes / Passes : null;

    /// <summary>Adds a pass; a failed pass marks the cell failed instead.</summary>
    public void Add(PassResult pass)
    {
        if (pass.Error is not null)
        {
            Fail(pass.Error);
            return;
        }

        Time.Add(pass.Nanoseconds);
        if (pass.LockAcquisitions >= 0)
        {
            _counted = true;
            _locks += pass.LockAcquisitions;
            _flushes += pass.TlbFlushes;
        }
    }

    /// <summary>Marks the configuration failed; the first reason is kept.</summary>
    public void Fail(string error) => Error ??= error;
}
