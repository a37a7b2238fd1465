namespace Madvise.Kernel;

/// <summary>
/// A thread stopped at a <see cref="FaultPoint"/> by <see cref="FaultInjector.PauseAt"/>: the
/// controlled scheduler of the race tests. The first system call that reaches the point signals
/// <see cref="WaitReached"/> and waits there, holding whatever locks it holds at that point, until
/// <see cref="Resume"/>; meanwhile the test runs the competing operation, so an interleaving that
/// timing would hit now and then happens every time, and a test can enumerate them (every point
/// × every competitor).
/// </summary>
public sealed class FaultPause : IDisposable
{
    /// <summary><see cref="_state"/>: no thread inside <see cref="Stop"/>, not disposed.</summary>
    private const int Idle = 0;

    /// <summary><see cref="_state"/>: a thread is inside <see cref="Stop"/> (stopped, or just resumed and leaving).</summary>
    private const int Inside = 1;

    /// <summary><see cref="_state"/>: disposed; a thread that reaches the point now goes straight on.</summary>
    private const int Disposed = 2;

    private readonly ManualResetEventSlim _reached = new(false);
    private readonly ManualResetEventSlim _resume = new(false);

    /// <summary>
    /// <see cref="Idle"/>, <see cref="Inside"/> or <see cref="Disposed"/>; changed by compare-exchange
    /// only. <see cref="Dispose"/> waits for a resumed thread to leave <see cref="Stop"/> before it
    /// frees the events: freeing them while that thread was still returning from its wait once made it
    /// throw ObjectDisposedException inside the system call (an oops, -ESRCH) in about one run in
    /// twenty of the interleaving tests.
    /// </summary>
    private int _state;

    internal FaultPause(FaultPoint point) => Point = point;

    /// <summary>Where the call stops.</summary>
    public FaultPoint Point { get; }

    /// <summary>True once a call has stopped at <see cref="Point"/>.</summary>
    public bool IsReached => _reached.IsSet;

    /// <summary>Waits until a call stops at <see cref="Point"/>; false when none did within <paramref name="timeout"/>.</summary>
    public bool WaitReached(TimeSpan timeout) => _reached.Wait(timeout);

    /// <summary>Lets the stopped call go on (or, if none stopped yet, lets the first one through).</summary>
    public void Resume() => _resume.Set();

    /// <summary>Resumes any stopped call, waits until it has left the point, and frees the events.</summary>
    public void Dispose()
    {
        if (Volatile.Read(ref _state) == Disposed)
        {
            return;
        }

        _resume.Set();
        SpinWait.SpinUntil(() => Interlocked.CompareExchange(ref _state, Disposed, Idle) != Inside);
        _reached.Dispose();
        _resume.Dispose();
    }

    /// <summary>Called by the stopped thread at the point.</summary>
    internal void Stop()
    {
        if (Interlocked.CompareExchange(ref _state, Inside, Idle) != Idle)
        {
            return; // disposed: nobody waits for this call any more
        }

        _reached.Set();
        _resume.Wait();
        Volatile.Write(ref _state, Idle);
    }
}
