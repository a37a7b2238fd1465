namespace Madvise.Scenarios.Steps;

/// <summary><c>munlock ADDR LEN</c>: munlock(2).</summary>
public sealed record MunlockStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "munlock";
}
