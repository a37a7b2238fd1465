namespace Madvise.Scenarios.Steps;

/// <summary><c>fork NAME</c>: forks the task that runs the step (copy-on-write address space).</summary>
/// <param name="Name">The child's task name.</param>
public sealed record ForkStep(string Name) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "fork";
}
