namespace Madvise.Kernel;

/// <summary>
/// Test hook of one kernel: arms a <see cref="FaultPoint"/> so that the next system call that
/// reaches it throws <see cref="InjectedFaultException"/> there, once, as a kernel bug would.
/// Unarmed, each point costs one read of a field.
/// </summary>
public sealed class FaultInjector
{
    /// <summary>The armed point, as an int; 0 (<see cref="FaultPoint.None"/>) when none. Atomic.</summary>
    private int _armed;

    /// <summary>Makes the next system call that reaches <paramref name="point"/> throw there; <see cref="FaultPoint.None"/> disarms.</summary>
    public void Arm(FaultPoint point) => Volatile.Write(ref _armed, (int)point);

    /// <summary>True while a point is armed and no call has reached it yet.</summary>
    public bool IsArmed => Volatile.Read(ref _armed) != 0;

    /// <summary>Throws at <paramref name="point"/> when it is armed (and disarms it).</summary>
    internal void At(FaultPoint point)
    {
        if (Volatile.Read(ref _armed) == (int)point && Interlocked.CompareExchange(ref _armed, 0, (int)point) == (int)point)
        {
            throw new InjectedFaultException(point);
        }
    }
}
