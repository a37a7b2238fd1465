namespace Madvise.Scenarios.Steps;

/// <summary><c>mlock ADDR LEN</c>: mlock(2).</summary>
public sealed record MlockStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "mlock";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens) =>
        ParseRange(parser, tokens, static (a, l) => new MlockStep(a, l));

    /// <inheritdoc/>
    internal override string ExecuteAt(ScenarioRunner runner, ITargetTask task, ulong address) =>
        ScenarioRunner.Status(task, this, task.Mlock(address, Length));
}
