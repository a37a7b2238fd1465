namespace Madvise.Scenarios.Steps;

/// <summary><c>munlock ADDR LEN</c>: munlock(2).</summary>
public sealed record MunlockStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "munlock";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens) =>
        ParseRange(parser, tokens, static (a, l) => new MunlockStep(a, l));

    /// <inheritdoc/>
    internal override string ExecuteAt(ScenarioRunner runner, ITargetTask task, ulong address) =>
        ScenarioRunner.Status(task, this, task.Munlock(address, Length));
}
