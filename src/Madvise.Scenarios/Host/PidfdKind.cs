namespace Madvise.Scenarios.Host;

/// <summary>How a task names the pidfd of a <c>pmadvise</c> step, once resolved for that task's process.</summary>
internal enum PidfdKind : byte
{
    /// <summary><c>self</c>: a pidfd of the process running the step.</summary>
    Self = 0,

    /// <summary>A raw number, passed to the kernel as is (it reads it as an int).</summary>
    Raw = 1,

    /// <summary>A descriptor the task holds, by descriptor id.</summary>
    Descriptor = 2,
}
