namespace Madvise.Scenarios.Steps;

/// <summary><c>mincore ADDR LEN</c>: mincore(2); prints one digit per page.</summary>
public sealed record MincoreStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "mincore";
}
