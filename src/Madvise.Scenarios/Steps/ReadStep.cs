namespace Madvise.Scenarios.Steps;

/// <summary><c>read ADDR LEN</c>: reads the range as the task would; prints run-length hex.</summary>
public sealed record ReadStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "read";
}
