namespace Madvise.Kernel;

/// <summary>
/// Test hook of one kernel: arms a <see cref="FaultPoint"/> so that the next system call that
/// reaches it throws <see cref="InjectedFaultException"/> there, once, as a kernel bug would; or
/// pauses the next call that reaches it (<see cref="PauseAt"/>) until the test resumes it.
/// Unarmed, each point costs two reads of a field.
/// </summary>
public sealed class FaultInjector
{
    /// <summary>The armed point, as an int; 0 (<see cref="FaultPoint.None"/>) when none. Atomic.</summary>
    private int _armed;

    /// <summary>The pause waiting for a call, or null. Atomic.</summary>
    private FaultPause? _pause;

    /// <summary>
    /// Makes the next system call that reaches <paramref name="point"/> stop there until the
    /// returned pause is resumed (see <see cref="FaultPause"/>); replaces a pause not reached yet.
    /// </summary>
    public FaultPause PauseAt(FaultPoint point)
    {
        var pause = new FaultPause(point);
        Volatile.Write(ref _pause, pause);
        return pause;
    }

    /// <summary>Makes the next system call that reaches <paramref name="point"/> throw there; <see cref="FaultPoint.None"/> disarms.</summary>
    public void Arm(FaultPoint point) => Volatile.Write(ref _armed, (int)point);

    /// <summary>True while a point is armed and no call has reached it yet.</summary>
    public bool IsArmed => Volatile.Read(ref _armed) != 0;

    /// <summary>Throws at <paramref name="point"/> when it is armed (and disarms it); stops there when a pause waits for it.</summary>
    internal void At(FaultPoint point)
    {
        if (Volatile.Read(ref _armed) == (int)point && Interlocked.CompareExchange(ref _armed, 0, (int)point) == (int)point)
        {
            throw new InjectedFaultException(point);
        }

        var pause = Volatile.Read(ref _pause);
        if (pause is not null && pause.Point == point && Interlocked.CompareExchange(ref _pause, null, pause) == pause)
        {
            pause.Stop();
        }
    }
}
