namespace Madvise.Scenarios.Steps;

/// <summary><c>munmap ADDR LEN</c>: munmap(2).</summary>
public sealed record MunmapStep(AddressExpression Address, ulong Length) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "munmap";
}
