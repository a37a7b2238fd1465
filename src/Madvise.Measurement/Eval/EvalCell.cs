namespace Madvise.Measurement.Eval;

/// <summary>The measurements of one configuration: one workload (target and profile) at one batch size.</summary>
public sealed class EvalCell
{
    /// <summary>Pass times in nanoseconds, in the order measured.</summary>
    private readonly List<double> _samples = [];

    /// <summary>Sum of mmap_lock acquisitions over the passes (sim only).</summary>
    private long _locks;

    /// <summary>Sum of TLB shootdowns over the passes (sim only).</summary>
    private long _flushes;

    /// <summary>Sum of remote TLB invalidations over the passes (sim: CPUs visited; host: TLB IPIs of /proc/interrupts).</summary>
    private long _remote;

    /// <summary>Whether the lock and flush counters were observable (false on the host).</summary>
    private bool _counted;

    /// <summary>Whether the remote-invalidation counter was observable.</summary>
    private bool _remoteCounted;

    /// <summary>The summary of <see cref="_samples"/>; null until asked for after a change.</summary>
    private SampleSummary? _summary;

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

    /// <summary>Pass times in nanoseconds, in the order measured (the raw samples).</summary>
    public IReadOnlyList<double> Samples => _samples;

    /// <summary>Statistics of <see cref="Samples"/>.</summary>
    public SampleSummary Time => _summary ??= SampleSummary.Of(_samples);

    /// <summary>Passes measured.</summary>
    public int Passes => _samples.Count;

    /// <summary>True when the configuration works and has at least one pass.</summary>
    public bool IsMeasured => Error is null && Passes > 0;

    /// <summary>Why the configuration stopped being measured; null while it works.</summary>
    public string? Error { get; private set; }

    /// <summary>mmap_lock acquisitions per pass; null where not observable or nothing was measured.</summary>
    public double? LocksPerPass => _counted && Passes > 0 ? (double)_locks / Passes : null;

    /// <summary>TLB shootdowns per pass; null where not observable or nothing was measured.</summary>
    public double? TlbFlushesPerPass => _counted && Passes > 0 ? (double)_flushes / Passes : null;

    /// <summary>
    /// Remote TLB invalidations per pass: on the simulated kernel the other CPUs a shootdown
    /// visited (flush_tlb_func run for another CPU); on the host the TLB shootdown interrupts all
    /// CPUs received during the pass (/proc/interrupts, machine-wide). Null where not observable.
    /// </summary>
    public double? RemoteFlushesPerPass => _remoteCounted && Passes > 0 ? (double)_remote / Passes : null;

    /// <summary>Adds a pass; a failed pass marks the cell failed instead.</summary>
    public void Add(PassResult pass)
    {
        if (pass.Error is not null)
        {
            Fail(pass.Error);
            return;
        }

        _samples.Add(pass.Nanoseconds);
        _summary = null;
        if (pass.LockAcquisitions >= 0)
        {
            _counted = true;
            _locks += pass.LockAcquisitions;
            _flushes += pass.TlbFlushes;
        }

        if (pass.RemoteFlushes >= 0)
        {
            _remoteCounted = true;
            _remote += pass.RemoteFlushes;
        }
    }

    /// <summary>Marks the configuration failed; the first reason is kept.</summary>
    public void Fail(string error) => Error ??= error;
}
