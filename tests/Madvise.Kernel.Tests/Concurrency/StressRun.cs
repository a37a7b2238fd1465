using System.Text;
using Madvise.Kernel.Tests.Shared;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// Runs several kinds of workers on dedicated threads, released together, until every one of them
/// has made its quota of progress; then stops them all. A worker's step runs in a loop and reports
/// progress itself, so "every kind made progress" is what ends the run, not a clock. The first
/// exception on any worker (a failed assertion, or a kernel exception such as a reference count
/// going negative) stops the run and fails the test with the seed. A run that cannot finish within
/// <see cref="TestThreads.HangGuard"/> fails naming the workers short of their quota.
/// </summary>
internal sealed class StressRun
{
    /// <summary>The workers, in the order they were added.</summary>
    private readonly List<StressWorker> _workers = [];

    /// <summary>Released once every worker thread has started, so the kinds really overlap.</summary>
    private readonly ManualResetEventSlim _startGate = new(false);

    /// <summary>Workers that have not reached their quota yet (interlocked); the run stops at zero.</summary>
    private int _pendingQuotas;

    /// <summary>Set to end every worker's loop.</summary>
    private volatile bool _stop;

    /// <summary>What must also have happened before the run may end (see <see cref="Until"/>); null for nothing.</summary>
    private Func<bool>? _until;

    /// <summary>Describes <see cref="_until"/> in the hang-guard message.</summary>
    private string? _untilWhat;

    /// <summary>The first worker failure (worker name and exception); written once under interlocked exchange.</summary>
    private Tuple<string, Exception>? _failure;

    /// <summary>Creates a run; the seed comes from MADV_SEED when set, else is random.</summary>
    public StressRun(int? seed = null)
    {
        Seed = seed ?? (int.TryParse(Environment.GetEnvironmentVariable("MADV_SEED"), out var s) ? s : Random.Shared.Next());
    }

    /// <summary>The seed every worker's random generator derives from (reported on failure; MADV_SEED replays it).</summary>
    public int Seed { get; }

    /// <summary>True once the run is ending: workers' steps should not start long operations.</summary>
    public bool Stopping => _stop;

    /// <summary>
    /// Adds a worker that calls <paramref name="step"/> until the run stops. The step reports its
    /// progress through <see cref="StressWorker.Progress"/>; the run needs <paramref name="quota"/> of it.
    /// </summary>
    public StressWorker Add(string name, long quota, Action<StressWorker> step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quota, 1);
        var worker = new StressWorker(this, name, quota, new Random(unchecked((Seed * 7919) + _workers.Count)), step);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>
    /// Keeps the run going after every quota is reached until <paramref name="condition"/> holds —
    /// evidence that the kinds really interleaved (a page was swapped out and faulted back in, a
    /// stored byte was found discarded), which progress of each kind alone does not prove.
    /// </summary>
    public void Until(string what, Func<bool> condition)
    {
        _until = condition;
        _untilWhat = what;
    }

    /// <summary>Starts every worker, waits until all reached their quota (or one failed), stops and joins them.</summary>
    public void Run()
    {
        _pendingQuotas = _workers.Count;
        var tasks = new Task[_workers.Count];
        for (var i = 0; i < tasks.Length; i++)
        {
            var worker = _workers[i];
            tasks[i] = TestThreads.Start(() => worker.Loop(_startGate));
        }

        _startGate.Set();
        var finished = Task.WaitAll(tasks, TestThreads.HangGuard);
        if (!finished)
        {
            _stop = true;
            Task.WaitAll(tasks, TestThreads.HangGuard);
        }

        if (_failure is { } failure)
        {
            Assert.Fail($"[seed {Seed}] worker '{failure.Item1}' failed: {failure.Item2}\n{Summary()}");
        }

        if (!finished)
        {
            var what = Volatile.Read(ref _pendingQuotas) > 0 ? "the workers did not all reach their quota" : $"'{_untilWhat}' did not happen";
            Assert.Fail($"[seed {Seed}] hang guard: {what} within {TestThreads.HangGuard.TotalSeconds} s\n{Summary()}");
        }

        foreach (var w in _workers)
        {
            Assert.True(w.Done >= w.Quota, $"[seed {Seed}] worker '{w.Name}' made {w.Done} of {w.Quota} steps of progress");
        }
    }

    /// <summary>One line per worker: name, progress and quota.</summary>
    public string Summary()
    {
        var sb = new StringBuilder();
        foreach (var w in _workers)
        {
            sb.Append(FormattableString.Invariant($"  {w.Name}: {w.Done}/{w.Quota} ({w.Iterations} iterations)\n"));
        }

        return sb.ToString();
    }

    /// <summary>Called by a worker the first time it reaches its quota.</summary>
    internal void QuotaReached() => Interlocked.Decrement(ref _pendingQuotas);

    /// <summary>Called by every worker after each step: ends the run once every quota is reached and the <see cref="Until"/> condition holds.</summary>
    internal void CheckDone()
    {
        if (Volatile.Read(ref _pendingQuotas) == 0 && (_until is null || _until()))
        {
            _stop = true;
        }
    }

    /// <summary>Records a worker's failure (the first one wins) and stops the run.</summary>
    internal void Fail(StressWorker worker, Exception e)
    {
        Interlocked.CompareExchange(ref _failure, Tuple.Create(worker.Name, e), null);
        _stop = true;
    }
}
