namespace Madvise.Scenarios;

/// <summary>
/// The PIDFD argument of <c>pmadvise</c>. One shape for every stage: as parsed
/// (<typeparamref name="TPidfd"/> = <see cref="string"/>, the pidfd name), as the runner hands it to a
/// target (<see cref="ITargetPidfd"/>), and as the host target sends it to the task's process
/// (<see cref="int"/>, the descriptor id).
/// </summary>
/// <typeparam name="TPidfd">How a pidfd bound by a <c>pidfd</c> step is referred to at this stage.</typeparam>
public abstract record PidfdArgument<TPidfd>
{
    private PidfdArgument()
    {
    }

    /// <summary><c>self</c>: a pidfd of the task that runs the step.</summary>
    public sealed record Self : PidfdArgument<TPidfd>;

    /// <summary>A raw descriptor number, including the sentinels PIDFD_SELF (-10000) and PIDFD_SELF_PROCESS (-10001).</summary>
    /// <param name="Fd">The number; the kernel reads the low 32 bits as an int.</param>
    public sealed record Raw(long Fd) : PidfdArgument<TPidfd>;

    /// <summary>A pidfd bound by a <c>pidfd</c> step (possibly owned by another task).</summary>
    /// <param name="Pidfd">The pidfd at this stage.</param>
    public sealed record Named(TPidfd Pidfd) : PidfdArgument<TPidfd>;

    /// <summary>
    /// The same argument at the next stage: <c>self</c> and raw numbers carry over, a named pidfd
    /// goes through <paramref name="resolve"/>, which may refuse it (returns false).
    /// </summary>
    public bool TryResolve<TOut>(TryResolve<TPidfd, TOut> resolve, out PidfdArgument<TOut>? resolved)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        switch (this)
        {
            case Self:
                resolved = new PidfdArgument<TOut>.Self();
                return true;
            case Raw raw:
                resolved = new PidfdArgument<TOut>.Raw(raw.Fd);
                return true;
            case Named named when resolve(named.Pidfd, out var pidfd):
                resolved = new PidfdArgument<TOut>.Named(pidfd);
                return true;
            default:
                resolved = null;
                return false;
        }
    }
}

/// <summary>Maps one stage's reference to the next; false when it cannot (an unbound name).</summary>
public delegate bool TryResolve<in TIn, TOut>(TIn value, out TOut result);
