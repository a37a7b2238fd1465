namespace Madvise.Scenarios.Steps;

/// <summary><c>mprotect ADDR LEN PROT</c>: mprotect(2).</summary>
/// <param name="Prot">PROT_* bits.</param>
public sealed record MprotectStep(AddressExpression Address, ulong Length, int Prot) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "mprotect";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens)
    {
        parser.CheckArgumentCount(tokens, 3, 3);
        var address = parser.ParseAddress(tokens[1].Text, tokens[1].Column);
        var length = parser.ParseSize(tokens[2].Text, tokens[2].Column);
        var (prot, protText) = parser.ParseProt(tokens[3]);
        return new MprotectStep(address, length, prot) { Text = $"mprotect {tokens[1].Text} {tokens[2].Text} {protText}" };
    }

    /// <inheritdoc/>
    internal override string ExecuteAt(ScenarioRunner runner, ITargetTask task, ulong address) =>
        ScenarioRunner.Status(task, this, task.Mprotect(address, Length, Prot));
}
