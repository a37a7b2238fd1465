namespace Madvise.Scenarios.Steps;

/// <summary><c>vmas ADDR LEN</c>: lists the mappings that overlap the range.</summary>
/// <remarks>LEN 0 prints <c>[]</c> without asking the target (runner rule 7).</remarks>
public sealed record VmasStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "vmas";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens) =>
        ParseRange(parser, tokens, static (a, l) => new VmasStep(a, l));

    /// <inheritdoc/>
    internal override string ExecuteAt(ScenarioRunner runner, ITargetTask task, ulong address)
    {
        if (Length == 0)
        {
            return "[]";
        }

        var mappings = new List<MappingInfo>();
        var r = task.Vmas(address, Length, mappings);
        return r < 0 ? ScenarioRunner.Failure(task, this, r) : ScenarioResults.Vmas(address, mappings);
    }
}
