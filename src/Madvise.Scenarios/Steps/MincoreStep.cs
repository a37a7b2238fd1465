using System.Globalization;
using System.Text;
using Madvise.Abi;

namespace Madvise.Scenarios.Steps;

/// <summary><c>mincore ADDR LEN</c>: mincore(2); prints one digit per page.</summary>
/// <remarks>
/// LEN 0 is asked of the target (Linux still checks the address) and prints <c>""</c> on
/// success; more than 2^20 pages are asked a window at a time, and a successful result of more
/// than 2^24 pages prints <c>SKIP(mincore result longer than 16777216 pages)</c> (runner rule 7).
/// </remarks>
public sealed record MincoreStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "mincore";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens) =>
        ParseRange(parser, tokens, static (a, l) => new MincoreStep(a, l));

    /// <inheritdoc/>
    /// <remarks>Runner rule 7: a range of more than one window is asked a window at a time, in address order.</remarks>
    internal override string ExecuteAt(ScenarioRunner runner, ITargetTask task, ulong address)
    {
        var pages = (Length / PageSize.PAGE_SIZE) + ((Length % PageSize.PAGE_SIZE) != 0 ? 1UL : 0UL);
        if (pages <= ScenarioResults.MincoreWindowPages)
        {
            var vec = new byte[pages];
            var r = task.Mincore(address, Length, vec);
            return r < 0 ? ScenarioRunner.Failure(task, this, r) : ScenarioResults.Mincore(vec);
        }

        var window = new byte[ScenarioResults.MincoreWindowPages];
        var digits = pages <= ScenarioResults.MaxMincorePages ? new StringBuilder((int)pages) : null;
        const ulong windowBytes = (ulong)ScenarioResults.MincoreWindowPages << PageSize.PAGE_SHIFT;
        for (ulong done = 0; done < Length; done += windowBytes)
        {
            var length = Math.Min(Length - done, windowBytes);
            var piece = window.AsSpan(0, (int)((length + PageSize.PAGE_SIZE - 1) >> PageSize.PAGE_SHIFT));
            var r = task.Mincore(unchecked(address + done), length, piece);
            if (r < 0)
            {
                return ScenarioRunner.Failure(task, this, r);
            }

            digits?.Append(ScenarioResults.Mincore(piece));
        }

        return digits?.ToString()
            ?? ScenarioResults.Skip(string.Create(CultureInfo.InvariantCulture, $"mincore result longer than {ScenarioResults.MaxMincorePages} pages"));
    }
}
