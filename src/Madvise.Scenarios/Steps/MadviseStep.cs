namespace Madvise.Scenarios.Steps;

/// <summary><c>madvise ADDR LEN ADVICE</c>: madvise(2).</summary>
/// <param name="Advice">The advice number passed to the kernel.</param>
/// <param name="AdviceText">The advice as printed: its name in upper case without <c>MADV_</c>, or the number as written.</param>
public sealed record MadviseStep(AddressExpression Address, ulong Length, MemoryAdvice Advice, string AdviceText) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "madvise";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens)
    {
        parser.CheckArgumentCount(tokens, 3, 3);
        var address = parser.ParseAddress(tokens[1].Text, tokens[1].Column);
        var length = parser.ParseSize(tokens[2].Text, tokens[2].Column);
        var (advice, adviceText) = parser.ParseAdvice(tokens[3]);
        return new MadviseStep(address, length, advice, adviceText)
        {
            Text = $"madvise {tokens[1].Text} {tokens[2].Text} {adviceText}",
        };
    }

    /// <inheritdoc/>
    internal override string ExecuteAt(ScenarioRunner runner, ITargetTask task, ulong address) =>
        ScenarioRunner.Status(task, this, task.Madvise(address, Length, Advice));
}
