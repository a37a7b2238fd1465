namespace Madvise.Scenarios.Steps;

/// <summary><c>task NAME</c>: a new process whose address space holds none of the scenario's mappings.</summary>
/// <param name="Name">The task name (its own name space).</param>
public sealed record TaskStep(string Name) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "task";
}
