namespace Madvise.Scenarios.Steps;

/// <summary>A step whose first two arguments are <c>ADDR LEN</c>.</summary>
/// <param name="Address">The start of the range.</param>
/// <param name="Length">The length in bytes (modulo 2^64).</param>
public abstract record RangeStep(AddressExpression Address, ulong Length) : Step;
