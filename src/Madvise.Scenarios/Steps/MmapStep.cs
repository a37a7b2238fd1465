namespace Madvise.Scenarios.Steps;

/// <summary><c>mmap NAME LEN PROT FLAGS [fd=FILE] [off=SIZE] [at=ADDR]</c>: mmap(2), binding NAME on success.</summary>
/// <param name="Name">The mapping name bound to the returned address.</param>
/// <param name="Length">The length in bytes (modulo 2^64).</param>
/// <param name="Prot">PROT_* bits.</param>
/// <param name="Flags">MAP_* bits.</param>
/// <param name="File">The file name given by <c>fd=</c>, or null for no descriptor (-1).</param>
/// <param name="Offset">The file offset given by <c>off=</c> (0 when absent).</param>
/// <param name="At">The address hint given by <c>at=</c>, or null (0).</param>
public sealed record MmapStep(string Name, ulong Length, int Prot, int Flags, string? File, ulong Offset, AddressExpression? At) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "mmap";
}
