namespace Madvise.Abi;

/// <summary>
/// The names of <see cref="MemoryAdvice"/> values without the <c>MADV_</c> prefix (<c>DONTNEED</c>),
/// as the scenario language, strace and the tools spell them.
/// </summary>
public static class MemoryAdviceNames
{
    private static readonly (string Name, MemoryAdvice Value)[] Table = BuildTable();

    /// <summary>Every named advice value, in numeric order.</summary>
    public static IReadOnlyList<(string Name, MemoryAdvice Value)> All => Table;

    /// <summary>
    /// Looks an advice value up by its name, case-insensitively; a leading <c>MADV_</c> is accepted.
    /// </summary>
    /// <returns>False when <paramref name="name"/> names no advice value.</returns>
    public static bool TryParse(ReadOnlySpan<char> name, out MemoryAdvice value)
    {
        if (name.StartsWith("MADV_", StringComparison.OrdinalIgnoreCase))
        {
            name = name[5..];
        }

        foreach (var (entry, v) in Table)
        {
            if (name.Equals(entry, StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The name without <c>MADV_</c>, or null for a number that names no advice value.</summary>
    public static string? Name(MemoryAdvice value)
    {
        foreach (var (entry, v) in Table)
        {
            if (v == value)
            {
                return entry;
            }
        }

        return null;
    }

    private static (string, MemoryAdvice)[] BuildTable()
    {
        var values = Enum.GetValues<MemoryAdvice>();
        var table = new (string, MemoryAdvice)[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            table[i] = (values[i].ToString()["MADV_".Length..], values[i]);
        }

        return table;
    }
}
