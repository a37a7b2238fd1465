namespace Madvise.Scenarios.Steps;

/// <summary>
/// A step that runs as a task: the one named by its <c>in TASK:</c> prefix, or <c>self</c>.
/// The runner first checks that task exists and has not exited (runner rules 3 and 4).
/// </summary>
public abstract record InTaskStep : Step
{
    /// <inheritdoc/>
    internal sealed override string Execute(ScenarioRunner runner) =>
        runner.EnterTask(Task ?? "self", out var task) ?? ExecuteIn(runner, task!);

    /// <summary>Runs the step as <paramref name="task"/>, which exists and has not exited.</summary>
    internal abstract string ExecuteIn(ScenarioRunner runner, ITargetTask task);
}
