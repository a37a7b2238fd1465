namespace Madvise.Scenarios.Steps;

/// <summary><c>madvise ADDR LEN BEHAVIOUR</c>: madvise(2).</summary>
/// <param name="Behavior">The behaviour number passed to the kernel.</param>
/// <param name="BehaviorText">The behaviour as printed: its name in upper case without <c>MADV_</c>, or the number as written.</param>
public sealed record MadviseStep(AddressExpression Address, ulong Length, MemoryAdvice Behavior, string BehaviorText) : RangeStep(Address, Length)
{
    /// <inheritdoc/>
    public override string Keyword => "madvise";
}
