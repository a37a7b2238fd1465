namespace Madvise.Scenarios.Steps;

/// <summary><c>read ADDR LEN</c>: reads the range as the task would; prints run-length hex.</summary>
/// <remarks>LEN 0 prints <c>""</c> without asking the target (runner rule 7).</remarks>
public sealed record ReadStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "read";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens) =>
        ParseRange(parser, tokens, static (a, l) => new ReadStep(a, l));

    /// <inheritdoc/>
    internal override string ExecuteAt(ScenarioRunner runner, ITargetTask task, ulong address)
    {
        if (Length == 0)
        {
            return "";
        }

        var runs = new ByteRuns();
        var r = task.Read(address, Length, runs);
        return r < 0 ? ScenarioRunner.Failure(task, this, r) : runs.ToString();
    }
}
