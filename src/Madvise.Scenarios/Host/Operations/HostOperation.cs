namespace Madvise.Scenarios.Host;

/// <summary>
/// One operation a host task runs in its own process: its request fields, its reply fields,
/// and what the process does (on the <see cref="TaskExecutor"/>). Task <c>self</c> runs it
/// directly; an agent task sends the request fields over its socket, and the agent builds the
/// same operation from the frame (by its number in <see cref="HostOperations"/>), runs it and
/// sends the reply fields back. The field lists below are the wire format.
/// </summary>
/// <remarks>
/// Adding one: a sealed class here with its fields as public fields (request first, then
/// reply), <see cref="Request"/>, <see cref="Run"/> and, when it answers more than the
/// result, <see cref="Reply"/>; one line in <see cref="HostOperations"/>.
/// </remarks>
internal abstract class HostOperation
{
    /// <summary>The request fields in wire order (both directions).</summary>
    public abstract void Request(ref FrameCodec frame);

    /// <summary>Runs in the task's process; returns a value, a negative errno, or <see cref="TargetResult.NotSupported"/>.</summary>
    public abstract long Run(TaskExecutor executor);

    /// <summary>The reply fields in wire order (both directions); they travel only after a result &gt;= 0.</summary>
    public virtual void Reply(ref FrameCodec frame)
    {
    }

    /// <summary>A descriptor of the agent to attach to the reply (SCM_RIGHTS) after a result &gt;= 0, or -1.</summary>
    public virtual int Attachment => -1;
}
