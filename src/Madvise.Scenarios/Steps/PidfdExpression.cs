namespace Madvise.Scenarios.Steps;

/// <summary>The PIDFD argument of <c>pmadvise</c> as written, before the runner resolves it.</summary>
public abstract record PidfdExpression
{
    private PidfdExpression()
    {
    }

    /// <summary><c>self</c>: a pidfd of the task that runs the step.</summary>
    public sealed record Self : PidfdExpression;

    /// <summary>A raw descriptor number, including <c>PIDFD_SELF</c> (-10000) and <c>PIDFD_SELF_PROCESS</c> (-10001).</summary>
    /// <param name="Fd">The number; the kernel reads the low 32 bits as an int.</param>
    public sealed record Raw(long Fd) : PidfdExpression;

    /// <summary>A name bound by a <c>pidfd</c> step.</summary>
    /// <param name="Name">The pidfd name.</param>
    public sealed record Named(string Name) : PidfdExpression;
}
