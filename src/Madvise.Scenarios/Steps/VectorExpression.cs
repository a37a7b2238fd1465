namespace Madvise.Scenarios.Steps;

/// <summary>The VEC argument of <c>pmadvise</c> as written, before the runner resolves its addresses.</summary>
public abstract record VectorExpression
{
    private VectorExpression()
    {
    }

    /// <summary><c>[ADDR LEN; ...]</c>, or <c>[]</c> for an empty vector (a NULL pointer with vlen 0).</summary>
    /// <param name="Entries">The entries in order.</param>
    public sealed record List(IReadOnlyList<VectorEntry> Entries) : VectorExpression;

    /// <summary><c>seq(ADDR, LEN, STRIDE, COUNT)</c>: COUNT entries <c>ADDR + i*STRIDE, LEN</c>.</summary>
    /// <param name="Start">The first entry's address.</param>
    /// <param name="Length">Every entry's length.</param>
    /// <param name="Stride">The distance between entries (modulo 2^64).</param>
    /// <param name="Count">The vlen passed to the kernel; targets build at most 1025 entries.</param>
    public sealed record Seq(AddressExpression Start, ulong Length, ulong Stride, ulong Count) : VectorExpression;

    /// <summary><c>badptr(COUNT)</c>: an iovec pointer to a page that was mapped and unmapped, with vlen COUNT.</summary>
    /// <param name="Count">The vlen passed to the kernel.</param>
    public sealed record BadPointer(ulong Count) : VectorExpression;
}
