namespace Madvise.Scenarios.Steps;

/// <summary><c>write ADDR LEN BYTE</c>: stores BYTE into every byte of the range as the task would.</summary>
/// <param name="Value">The byte stored.</param>
public sealed record WriteStep(AddressExpression Address, ulong Length, byte Value) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "write";
}
