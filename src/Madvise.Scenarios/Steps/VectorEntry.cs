namespace Madvise.Scenarios.Steps;

/// <summary>One <c>ADDR LEN</c> entry of a <c>[...]</c> vector.</summary>
/// <param name="Address">The entry's base.</param>
/// <param name="Length">The entry's length (modulo 2^64).</param>
public sealed record VectorEntry(AddressExpression Address, ulong Length);
