using System.Diagnostics;
using HdrHistogram;
using Madvise.Abi;

namespace Madvise.Measurement.Contention;

/// <summary>
/// The contention writer: one long-lived thread (one simulated CPU for the sim) that, during a
/// slice, runs a workload's <see cref="IMmapWriter"/> about once per interval, sleeping between
/// calls, and records how long each operation took.
/// </summary>
/// <remarks>
/// <para>Pacing matters. A writer that runs back to back competes with the advisor for the
/// CPUs and mostly measures its own uncontended calls: on a busy machine the two threads seldom
/// run at the same moment, each blocked call is one sample while each unblocked time slice is
/// hundreds, and while it waits it issues nothing (coordinated omission). A writer that sleeps
/// between calls needs little CPU, wakes at moments spread over the advisor's pass, and its
/// calls wait in proportion to the time the lock is taken — what another thread of a real
/// program needing mmap() now and then would see. (Measured here under load: a back-to-back
/// writer showed a p50 of 0.3 µs against 1024-range BatchedLock vectors, a sleeping one 170 µs.)
/// A call that overruns its interval is followed at once, with no catch-up burst.</para>
/// <para>Handshake: <see cref="Start"/> publishes a job under <see cref="_gate"/> and pulses; the thread
/// runs it until <see cref="_stop"/> is set, then publishes the outcome and pulses back. The
/// histogram is written only by this thread between those two points, so the advising thread
/// reads it safely after <see cref="Stop"/> returns.</para>
/// </remarks>
public sealed class WriterThread : IDisposable
{
    /// <summary>Protects <see cref="_job"/>, <see cref="_running"/>, <see cref="_error"/> and <see cref="_exit"/>; monitor for the handshake.</summary>
    private readonly object _gate = new();

    /// <summary>The thread.</summary>
    private readonly Thread _thread;

    /// <summary>The slice to run; null when none is pending. Protected by <see cref="_gate"/>.</summary>
    private Job? _job;

    /// <summary>True from <see cref="Start"/> until the thread finished the job. Protected by <see cref="_gate"/>.</summary>
    private bool _running;

    /// <summary>The failed operation of the last job, or null. Protected by <see cref="_gate"/>.</summary>
    private string? _error;

    /// <summary>Ends the thread. Protected by <see cref="_gate"/>.</summary>
    private bool _exit;

    /// <summary>Asks the running job to end after the operation in progress (read without the lock in the hot loop).</summary>
    private volatile bool _stop;

    /// <summary>True while the advisor is inside a timed pass; the writer records operations that start then.</summary>
    private volatile bool _advising;

    /// <summary>Starts the thread; it waits for jobs.</summary>
    public WriterThread()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "madv contention writer" };
        _thread.Start();
    }

    /// <summary>Set by the advising thread around each timed pass.</summary>
    public bool Advising
    {
        set => _advising = value;
    }

    /// <summary>
    /// Starts running <paramref name="writer"/> once per <paramref name="interval"/> (zero: back to
    /// back), recording into <paramref name="latency"/> always (<paramref name="recordAlways"/>) or
    /// only the calls that start while <see cref="Advising"/>.
    /// </summary>
    public void Start(IMmapWriter writer, LongHistogram latency, bool recordAlways, TimeSpan interval)
    {
        var ticks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        lock (_gate)
        {
            _stop = false;
            _advising = false;
            _error = null;
            _job = new Job(writer, latency, recordAlways, ticks);
            _running = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Stops the job after its operation in progress (a job makes at least one) and waits for it.</summary>
    /// <returns>Null, or the writer's failure (e.g. <c>mmap: ENOMEM</c>).</returns>
    public string? Stop()
    {
        _stop = true;
        lock (_gate)
        {
            while (_running)
            {
                Monitor.Wait(_gate);
            }

            return _error;
        }
    }

    /// <summary>Ends the thread (after the job in progress, if any).</summary>
    public void Dispose()
    {
        _stop = true;
        lock (_gate)
        {
            _exit = true;
            Monitor.PulseAll(_gate);
        }

        _thread.Join();
    }

    private void Loop()
    {
        while (true)
        {
            Job job;
            lock (_gate)
            {
                while (_job is null && !_exit)
                {
                    Monitor.Wait(_gate);
                }

                if (_exit)
                {
                    _running = false;
                    Monitor.PulseAll(_gate);
                    return;
                }

                job = _job!;
                _job = null;
            }

            var error = Run(job);
            lock (_gate)
            {
                _error = error;
                _running = false;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>
    /// The hot loop: no allocation, no lock. A started job makes at least one call, even when
    /// <see cref="Stop"/> comes before this thread got to run: its histogram is never empty.
    /// </summary>
    private string? Run(Job job)
    {
        while (true)
        {
            var record = job.RecordAlways || _advising;
            var start = Stopwatch.GetTimestamp();
            var r = job.Writer.Step();
            var end = Stopwatch.GetTimestamp();
            if (r != 0)
            {
                return "writer: " + Errno.Format(r);
            }

            if (record)
            {
                job.Latency.RecordValue(Math.Min(Timing.Nanoseconds(start, end), ContentionRow.HighestTrackableNanoseconds));
            }

            if (_stop)
            {
                return null;
            }

            NanoSleep.For(Timing.Nanoseconds(Stopwatch.GetTimestamp(), start + job.IntervalTicks));
            if (_stop)
            {
                return null;
            }
        }
    }

    /// <summary>One slice's work.</summary>
    private sealed record Job(IMmapWriter Writer, LongHistogram Latency, bool RecordAlways, long IntervalTicks);
}
