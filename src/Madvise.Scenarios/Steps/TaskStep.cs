namespace Madvise.Scenarios.Steps;

/// <summary><c>task NAME</c>: a new process whose address space holds none of the scenario's mappings.</summary>
/// <param name="Name">The task name (its own name space).</param>
/// <remarks>An <c>in TASK:</c> prefix has no effect on it (runner rule 3).</remarks>
public sealed record TaskStep(string Name) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "task";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens)
    {
        var name = parser.ParseNewTask(tokens);
        return new TaskStep(name) { Text = "task " + name };
    }

    /// <inheritdoc/>
    internal override string Execute(ScenarioRunner runner)
    {
        var task = runner.Target.CreateTask(Name, out var failure);
        return runner.DefineTask(Name, task, failure);
    }

    /// <inheritdoc/>
    internal override void Completed(ScenarioRunner runner, string result, bool skipped) => runner.DefineFailedTask(Name, result);
}
