namespace Madvise.Scenarios.Steps;

/// <summary>An address argument: <c>NAME</c>, <c>NAME+SIZE</c>, <c>NAME-SIZE</c>, or an absolute number.</summary>
/// <param name="Name">The mapping name, or null for an absolute address.</param>
/// <param name="Offset">The offset from the mapping (already negated for <c>NAME-SIZE</c>, modulo 2^64), or the absolute address.</param>
/// <param name="Text">The argument as written.</param>
public sealed record AddressExpression(string? Name, ulong Offset, string Text)
{
    /// <summary>The address relative to <paramref name="mappingStart"/>, wrapping modulo 2^64 so that overflow cases can be written.</summary>
    public ulong Resolve(ulong mappingStart) => Name is null ? Offset : unchecked(mappingStart + Offset);
}
