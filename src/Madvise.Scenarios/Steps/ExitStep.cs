namespace Madvise.Scenarios.Steps;

/// <summary><c>exit TASK</c>: the task exits and stays a zombie; its pidfds stay open.</summary>
/// <param name="Target">The task that exits (<c>self</c> prints <c>SKIP(exit self)</c>).</param>
public sealed record ExitStep(string Target) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "exit";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens)
    {
        parser.CheckArgumentCount(tokens, 1, 1);
        var target = parser.ParseTask(tokens[1]);
        return new ExitStep(target) { Text = $"exit {target}" };
    }

    /// <inheritdoc/>
    internal override string Execute(ScenarioRunner runner) =>
        Target == "self" ? ScenarioResults.Skip("exit self") : runner.WithTarget(Target, this, static task => task.Exit());
}
