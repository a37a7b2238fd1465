namespace Madvise.Measurement.Workloads;

/// <summary>
/// The sibling threads of a workload's advising thread (<c>madv eval --threads N</c> makes N − 1):
/// long-lived OS threads, each with a body of its own, that work (<see cref="SiblingWork"/>)
/// only between <see cref="Run"/> and <see cref="Park"/> — around a timed pass — and are
/// blocked otherwise, as a process's idle threads are.
/// </summary>
/// <remarks>
/// <para>A sleeping sibling wakes every millisecond (nanosleep(2), which the kernel's timer
/// slack lengthens by up to 50 µs) and goes back to sleep at once: on Linux its CPU switches to
/// the process's mm for a moment and otherwise idles in lazy TLB mode, still in the mm's mask.
/// The simulated kernel is told the same through the body (<see cref="ISiblingBody"/>): the
/// sibling's own thread is its simulated CPU.</para>
/// <para><see cref="_gate"/> protects <see cref="_running"/>, <see cref="_exit"/> and the
/// count of parked threads; the loops read <see cref="_running"/> without it between sleeps.</para>
/// </remarks>
public sealed class SiblingThreads : IDisposable
{
    /// <summary>How long a sleeping sibling sleeps between wake-ups.</summary>
    public static readonly TimeSpan SleepInterval = TimeSpan.FromMilliseconds(1);

    /// <summary>Monitor for the handshake; protects <see cref="_exit"/> and <see cref="_parked"/>.</summary>
    private readonly object _gate = new();

    /// <summary>The threads.</summary>
    private readonly List<Thread> _threads = [];

    /// <summary>What they do.</summary>
    private readonly SiblingWork _work;

    /// <summary>True between <see cref="Run"/> and <see cref="Park"/>; written under <see cref="_gate"/>.</summary>
    private volatile bool _running;

    /// <summary>Ends the threads. Protected by <see cref="_gate"/>.</summary>
    private bool _exit;

    /// <summary>Threads blocked in the gate. Protected by <see cref="_gate"/>.</summary>
    private int _parked;

    /// <summary>Threads that woke up for the current <see cref="Run"/>. Protected by <see cref="_gate"/>.</summary>
    private int _started;

    /// <summary>Starts one thread per body, parked.</summary>
    public SiblingThreads(IReadOnlyList<ISiblingBody> bodies, SiblingWork work)
    {
        _work = work;
        foreach (var body in bodies)
        {
            var thread = new Thread(() => Loop(body)) { IsBackground = true, Name = "madv eval sibling" };
            _threads.Add(thread);
            thread.Start();
        }

        WaitParked();
    }

    /// <summary>Number of sibling threads.</summary>
    public int Count => _threads.Count;

    /// <summary>Lets the siblings work until <see cref="Park"/>; returns once every one has woken (so a pass starts with all of them running).</summary>
    public void Run()
    {
        lock (_gate)
        {
            _running = true;
            _started = 0;
            Monitor.PulseAll(_gate);
            while (_started < _threads.Count && !_exit)
            {
                Monitor.Wait(_gate);
            }
        }
    }

    /// <summary>Blocks the siblings again and waits until every one is parked.</summary>
    public void Park()
    {
        lock (_gate)
        {
            _running = false;
        }

        WaitParked();
    }

    /// <summary>Ends the threads.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _exit = true;
            _running = false;
            Monitor.PulseAll(_gate);
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }
    }

    private void WaitParked()
    {
        lock (_gate)
        {
            while (_parked < _threads.Count && !_exit)
            {
                Monitor.Wait(_gate);
            }
        }
    }

    private void Loop(ISiblingBody body)
    {
        var sleep = (long)SleepInterval.TotalNanoseconds;
        while (true)
        {
            body.Block();
            lock (_gate)
            {
                _parked++;
                Monitor.PulseAll(_gate);
                while (!_running && !_exit)
                {
                    Monitor.Wait(_gate);
                }

                _parked--;
                if (_exit)
                {
                    return;
                }
            }

            body.Wake();
            lock (_gate)
            {
                _started++;
                Monitor.PulseAll(_gate);
            }

            while (_running)
            {
                if (_work == SiblingWork.Touch)
                {
                    body.Touch();
                    continue;
                }

                body.Block();
                NanoSleep.For(sleep);
                body.Wake();
            }
        }
    }
}
