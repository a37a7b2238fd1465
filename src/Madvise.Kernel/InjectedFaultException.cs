namespace Madvise.Kernel;

/// <summary>The exception a fault point armed by <see cref="FaultInjector.Arm"/> throws.</summary>
public sealed class InjectedFaultException : Exception
{
    /// <summary>Creates the exception for <paramref name="point"/>.</summary>
    public InjectedFaultException(FaultPoint point)
        : base($"fault injected at {point}") => Point = point;

    /// <summary>Where it was thrown.</summary>
    public FaultPoint Point { get; }
}
