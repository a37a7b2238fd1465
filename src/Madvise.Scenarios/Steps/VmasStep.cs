namespace Madvise.Scenarios.Steps;

/// <summary><c>vmas ADDR LEN</c>: lists the mappings that overlap the range.</summary>
public sealed record VmasStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "vmas";
}
