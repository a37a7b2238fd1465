using Madvise.Abi;

namespace Madvise.Scenarios.Steps;

/// <summary><c>mincore ADDR LEN</c>: mincore(2); prints one digit per page.</summary>
/// <remarks>
/// LEN 0 is asked of the target (Linux still checks the address) and prints <c>""</c> on
/// success; more than 2^24 pages print <c>SKIP(mincore range too large)</c> on every target
/// (runner rule 7).
/// </remarks>
public sealed record MincoreStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "mincore";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens) =>
        ParseRange(parser, tokens, static (a, l) => new MincoreStep(a, l));

    /// <inheritdoc/>
    internal override string ExecuteAt(ScenarioRunner runner, ITargetTask task, ulong address)
    {
        var pages = (Length / PageSize.PAGE_SIZE) + ((Length % PageSize.PAGE_SIZE) != 0 ? 1UL : 0UL);
        if (pages > ScenarioResults.MaxMincorePages)
        {
            return ScenarioResults.Skip("mincore range too large");
        }

        var vec = new byte[pages];
        var r = task.Mincore(address, Length, vec);
        return r < 0 ? ScenarioRunner.Failure(task, this, r) : ScenarioResults.Mincore(vec);
    }
}
