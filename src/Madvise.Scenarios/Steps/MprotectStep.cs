namespace Madvise.Scenarios.Steps;

/// <summary><c>mprotect ADDR LEN PROT</c>: mprotect(2).</summary>
/// <param name="Prot">PROT_* bits.</param>
public sealed record MprotectStep(AddressExpression Address, ulong Length, int Prot) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "mprotect";
}
