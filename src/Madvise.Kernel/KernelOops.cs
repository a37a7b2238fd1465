namespace Madvise.Kernel;

/// <summary>
/// A kernel oops: an exception (a bug in the simulated kernel, or an injected fault) escaped a
/// system call of task <see cref="Pid"/>. Linux prints the oops and kills the current task; the
/// simulated kernel records it here (<see cref="SimulatedKernel.Oopses"/>), kills the task and
/// returns -ESRCH from the call.
/// </summary>
/// <param name="Syscall">The system call's name (<c>madvise</c>, <c>mmap</c>, ...).</param>
/// <param name="Pid">The task that was killed.</param>
/// <param name="Exception">What escaped, with its stack trace.</param>
public sealed record KernelOops(string Syscall, int Pid, Exception Exception)
{
    /// <summary>One line: <c>oops in madvise of task 1000: InvalidOperationException: ...</c>.</summary>
    public override string ToString() => $"oops in {Syscall} of task {Pid}: {Exception.GetType().Name}: {Exception.Message}";
}
