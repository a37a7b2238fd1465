namespace Madvise.Scenarios;

/// <summary>
/// The VEC argument of <c>pmadvise</c>. One shape for every stage: as parsed
/// (<typeparamref name="TAddress"/> = <see cref="Steps.AddressExpression"/>) and as the runner
/// hands it to a target and the host target sends it on (<see cref="ulong"/>, resolved addresses).
/// </summary>
/// <typeparam name="TAddress">How an address is written at this stage.</typeparam>
public abstract record VectorArgument<TAddress>
{
    private VectorArgument()
    {
    }

    /// <summary><c>[ADDR LEN; ...]</c>; <c>[]</c> passes a NULL pointer with vlen 0.</summary>
    /// <param name="Entries">The entries in order.</param>
    public sealed record List(IReadOnlyList<(TAddress Base, ulong Length)> Entries) : VectorArgument<TAddress>;

    /// <summary><c>seq(ADDR, LEN, STRIDE, COUNT)</c>: COUNT entries <c>ADDR + i*STRIDE, LEN</c>.</summary>
    /// <param name="Start">The first entry's address.</param>
    /// <param name="Length">Every entry's length.</param>
    /// <param name="Stride">The distance between entries (modulo 2^64).</param>
    /// <param name="Count">The vlen passed to the kernel; targets build at most 1025 entries.</param>
    public sealed record Seq(TAddress Start, ulong Length, ulong Stride, ulong Count) : VectorArgument<TAddress>;

    /// <summary><c>badptr(COUNT)</c>: a pointer to a page that was mapped and then unmapped, with vlen COUNT.</summary>
    /// <param name="Count">The vlen passed to the kernel.</param>
    public sealed record BadPointer(ulong Count) : VectorArgument<TAddress>;

    /// <summary>
    /// The same vector with every address passed through <paramref name="resolve"/>, in order;
    /// false at the first address it refuses (an unbound name).
    /// </summary>
    public bool TryResolve<TOut>(TryResolve<TAddress, TOut> resolve, out VectorArgument<TOut>? resolved)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        resolved = null;
        switch (this)
        {
            case List list:
                var entries = new (TOut Base, ulong Length)[list.Entries.Count];
                for (var i = 0; i < entries.Length; i++)
                {
                    if (!resolve(list.Entries[i].Base, out var b))
                    {
                        return false;
                    }

                    entries[i] = (b, list.Entries[i].Length);
                }

                resolved = new VectorArgument<TOut>.List(entries);
                return true;
            case Seq seq:
                if (!resolve(seq.Start, out var start))
                {
                    return false;
                }

                resolved = new VectorArgument<TOut>.Seq(start, seq.Length, seq.Stride, seq.Count);
                return true;
            case BadPointer bad:
                resolved = new VectorArgument<TOut>.BadPointer(bad.Count);
                return true;
            default:
                throw new InvalidOperationException($"unknown vector kind {GetType().Name}");
        }
    }
}
