namespace Madvise.Scenarios.Steps;

/// <summary><c>pidfd NAME TASK</c>: pidfd_open(2) of TASK, bound to NAME.</summary>
/// <param name="Name">The pidfd name (its own name space).</param>
/// <param name="Target">The task opened (<c>self</c> = the main task).</param>
public sealed record PidfdStep(string Name, string Target) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "pidfd";
}
