namespace Madvise.Scenarios.Steps;

/// <summary><c>munmap ADDR LEN</c>: munmap(2).</summary>
public sealed record MunmapStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "munmap";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens) =>
        ParseRange(parser, tokens, static (a, l) => new MunmapStep(a, l));

    /// <inheritdoc/>
    internal override string ExecuteAt(ScenarioRunner runner, ITargetTask task, ulong address) =>
        ScenarioRunner.Status(task, this, task.Munmap(address, Length));
}
