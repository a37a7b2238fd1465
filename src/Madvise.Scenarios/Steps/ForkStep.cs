namespace Madvise.Scenarios.Steps;

/// <summary><c>fork NAME</c>: forks the task that runs the step (copy-on-write address space).</summary>
/// <param name="Name">The child's task name.</param>
public sealed record ForkStep(string Name) : InTaskStep
{
    /// <inheritdoc/>
    public override string Keyword => "fork";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens)
    {
        var name = parser.ParseNewTask(tokens);
        return new ForkStep(name) { Text = "fork " + name };
    }

    /// <inheritdoc/>
    internal override string ExecuteIn(ScenarioRunner runner, ITargetTask task)
    {
        var child = runner.Target.Fork(task, Name, out var failure);
        return runner.DefineTask(Name, child, failure);
    }

    /// <summary>A fork stopped before the target saw it (its parent had exited, a config SKIP, a target error) still defines the name.</summary>
    internal override void Completed(ScenarioRunner runner, string result, bool skipped) => runner.DefineFailedTask(Name, result);
}
