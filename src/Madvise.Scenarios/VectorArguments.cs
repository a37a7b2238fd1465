using Madvise.Abi;

namespace Madvise.Scenarios;

/// <summary>
/// Turns a <see cref="VectorArgument{TAddress}"/> into what a target passes to process_madvise(2): the
/// iovec entries to place in the calling task's memory and the vlen.
/// </summary>
/// <remarks>
/// <c>seq(...)</c> and <c>badptr(...)</c> pass their COUNT through as vlen unchanged, but at most
/// <see cref="MaxBuiltEntries"/> entries are ever built: the kernel rejects a vlen above
/// UIO_MAXIOV before it reads the array, so entries past 1025 could never be read, and a
/// COUNT of 2^64-1 must not allocate (scnhost.py does the same).
/// </remarks>
public static class VectorArguments
{
    /// <summary>UIO_MAXIOV + 1: enough to reach the kernel's vlen check from either side.</summary>
    public const int MaxBuiltEntries = IoVec.UIO_MAXIOV + 1;

    /// <summary>The vlen argument: the list's length, or COUNT for <c>seq</c> and <c>badptr</c>.</summary>
    public static ulong Length(VectorArgument<ulong> vector) => vector switch
    {
        VectorArgument<ulong>.List list => (ulong)list.Entries.Count,
        VectorArgument<ulong>.Seq seq => seq.Count,
        VectorArgument<ulong>.BadPointer bad => bad.Count,
        _ => throw new ArgumentOutOfRangeException(nameof(vector)),
    };

    /// <summary>
    /// The entries to write into the task's memory: the list's entries, or the first
    /// min(COUNT, <see cref="MaxBuiltEntries"/>) entries <c>START + i*STRIDE, LEN</c> of a
    /// <c>seq</c> (addresses wrap modulo 2^64). Empty for <c>[]</c> (a NULL pointer) and for
    /// <c>badptr</c>, whose pointer is an unmapped page.
    /// </summary>
    public static IoVec[] BuildEntries(VectorArgument<ulong> vector)
    {
        switch (vector)
        {
            case VectorArgument<ulong>.List list:
                var entries = new IoVec[list.Entries.Count];
                for (var i = 0; i < entries.Length; i++)
                {
                    entries[i] = new IoVec(list.Entries[i].Base, list.Entries[i].Length);
                }

                return entries;
            case VectorArgument<ulong>.Seq seq:
                var n = (int)Math.Min(seq.Count, MaxBuiltEntries);
                var built = new IoVec[n];
                var address = seq.Start;
                for (var i = 0; i < n; i++)
                {
                    built[i] = new IoVec(address, seq.Length);
                    address = unchecked(address + seq.Stride);
                }

                return built;
            case VectorArgument<ulong>.BadPointer:
                return [];
            default:
                throw new ArgumentOutOfRangeException(nameof(vector));
        }
    }
}
