namespace Madvise.Scenarios.Steps;

/// <summary><c>mlock ADDR LEN</c>: mlock(2).</summary>
public sealed record MlockStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "mlock";
}
