namespace Madvise.Scenarios.Steps;

/// <summary><c>write ADDR LEN BYTE</c>: stores BYTE into every byte of the range as the task would.</summary>
/// <param name="Value">The byte stored.</param>
/// <remarks>LEN 0 prints <c>0</c> without asking the target (runner rule 7).</remarks>
public sealed record WriteStep(AddressExpression Address, ulong Length, byte Value) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "write";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens)
    {
        parser.CheckArgumentCount(tokens, 3, 3);
        var address = parser.ParseAddress(tokens[1].Text, tokens[1].Column);
        var length = parser.ParseSize(tokens[2].Text, tokens[2].Column);
        var value = parser.ParseByte(tokens[3]);
        return new WriteStep(address, length, value) { Text = $"write {tokens[1].Text} {tokens[2].Text} {tokens[3].Text}" };
    }

    /// <inheritdoc/>
    internal override string ExecuteAt(ScenarioRunner runner, ITargetTask task, ulong address) =>
        Length == 0 ? "0" : ScenarioRunner.Status(task, this, task.Write(address, Length, Value));
}
