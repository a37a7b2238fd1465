namespace Madvise.Scenarios.Steps;

/// <summary>A step whose first two arguments are <c>ADDR LEN</c>.</summary>
/// <param name="Address">The start of the range.</param>
/// <param name="Length">The length in bytes (modulo 2^64).</param>
public abstract record RangeStep(AddressExpression Address, ulong Length) : InTaskStep
{
    /// <inheritdoc/>
    internal sealed override string ExecuteIn(ScenarioRunner runner, ITargetTask task) =>
        runner.TryResolve(Address, out var address, out var unbound) ? ExecuteAt(runner, task, address) : unbound;

    /// <summary>Runs the step as <paramref name="task"/> at the resolved <paramref name="address"/>.</summary>
    internal abstract string ExecuteAt(ScenarioRunner runner, ITargetTask task, ulong address);

    /// <summary><c>KEYWORD ADDR LEN</c>, echoed as written.</summary>
    internal static T ParseRange<T>(ScenarioParser parser, List<ScenarioToken> tokens, Func<AddressExpression, ulong, T> create)
        where T : RangeStep
    {
        parser.CheckArgumentCount(tokens, 2, 2);
        var step = create(parser.ParseAddress(tokens[1].Text, tokens[1].Column), parser.ParseSize(tokens[2].Text, tokens[2].Column));
        return step with { Text = $"{step.Keyword} {tokens[1].Text} {tokens[2].Text}" };
    }
}
