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
    private readonly ManualResetEventSlim _reached = new(false);
    private readonly ManualResetEventSlim _resume = new(false);

    internal FaultPause(FaultPoint point) => Point = point;

    /// <summary>Where the call stops.</summary>
    public FaultPoint Point { get; }

    /// <summary>True once a call has stopped at <see cref="Point"/>.</summary>
    public bool IsReached => _reached.IsSet;

    /// <summary>Waits until a call stops at <see cref="Point"/>; false when none did within <paramref name="timeout"/>.</summary>
    public bool WaitReached(TimeSpan timeout) => _reached.Wait(timeout);

    /// <summary>Lets the stopped call go on (or, if none stopped yet, lets the first one through).</summary>
    public void Resume() => _resume.Set();

    /// <summary>Resumes any stopped call and frees the events.</summary>
    public void Dispose()
    {
        _resume.Set();
        _reached.Dispose();
        _resume.Dispose();
    }

    /// <summary>Called by the stopped thread at the point.</summary>
    internal void Stop()
    {
        _reached.Set();
        _resume.Wait();
    }
}
