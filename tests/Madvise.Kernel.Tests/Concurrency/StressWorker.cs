namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>One worker of a <see cref="StressRun"/>: a named step called in a loop on its own thread.</summary>
internal sealed class StressWorker
{
    /// <summary>The run this worker belongs to.</summary>
    private readonly StressRun _run;

    /// <summary>The work done per loop iteration.</summary>
    private readonly Action<StressWorker> _step;

    /// <summary>Progress reported so far; written by the worker's thread only.</summary>
    private long _done;

    /// <summary>Loop iterations so far; written by the worker's thread only.</summary>
    private long _iterations;

    /// <summary>Whether the quota was reached (reported to the run once).</summary>
    private bool _quotaReached;

    internal StressWorker(StressRun run, string name, long quota, Random random, Action<StressWorker> step)
    {
        _run = run;
        Name = name;
        Quota = quota;
        Random = random;
        _step = step;
    }

    /// <summary>The worker's name in failure messages.</summary>
    public string Name { get; }

    /// <summary>Progress the run needs from this worker.</summary>
    public long Quota { get; }

    /// <summary>This worker's random generator, derived from the run's seed (use it only on the worker's thread).</summary>
    public Random Random { get; }

    /// <summary>Progress reported so far.</summary>
    public long Done => Volatile.Read(ref _done);

    /// <summary>Loop iterations so far (progress or not).</summary>
    public long Iterations => Volatile.Read(ref _iterations);

    /// <summary>The run is ending.</summary>
    public bool Stopping => _run.Stopping;

    /// <summary>The run's seed, for messages.</summary>
    public int Seed => _run.Seed;

    /// <summary>Reports <paramref name="steps"/> of progress.</summary>
    public void Progress(long steps = 1)
    {
        Volatile.Write(ref _done, _done + steps);
        if (!_quotaReached && _done >= Quota)
        {
            _quotaReached = true;
            _run.QuotaReached();
        }
    }

    /// <summary>The thread body: wait for the start, then step until the run stops; a throw fails the run.</summary>
    internal void Loop(ManualResetEventSlim startGate)
    {
        startGate.Wait();
        try
        {
            while (!_run.Stopping)
            {
                _step(this);
                Volatile.Write(ref _iterations, _iterations + 1);
                _run.CheckDone();
            }
        }
        catch (Exception e)
        {
            _run.Fail(this, e);
        }
    }
}
