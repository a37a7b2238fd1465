using System.Runtime.CompilerServices;
using System.Text;

namespace Madvise.Replay.Model;

/// <summary>strace's names of <see cref="SyscallKind"/> values, derived from the member names (PkeyMprotect → pkey_mprotect).</summary>
public static class SyscallNames
{
    /// <summary>x86-64 numbers of the calls strace 6.1 does not know by name (it prints <c>syscall_0x1ce</c>).</summary>
    private static readonly (int Number, SyscallKind Kind)[] NumberedCalls =
    [
        (453, SyscallKind.MapShadowStack),
        (462, SyscallKind.Mseal),
    ];

    private static readonly string[] Names = BuildNames();

    private static readonly Dictionary<string, SyscallKind> ByName = BuildLookup();

    private static readonly Dictionary<string, SyscallKind>.AlternateLookup<ReadOnlySpan<char>> ByNameSpan = ByName.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The strace name of <paramref name="kind"/> (<c>pkey_mprotect</c>); "?" for <see cref="SyscallKind.Other"/>.</summary>
    public static string Name(SyscallKind kind) => Names[(int)kind];

    /// <summary>Looks a name up, including the <c>syscall_0xNNN</c> spelling of the numbered calls.</summary>
    /// <returns><see cref="SyscallKind.Other"/> for a name this table does not hold.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SyscallKind Parse(ReadOnlySpan<byte> name)
    {
        if (name.Length > 32)
        {
            return SyscallKind.Other;
        }

        Span<char> chars = stackalloc char[name.Length];
        for (var i = 0; i < name.Length; i++)
        {
            chars[i] = (char)name[i];
        }

        return ByNameSpan.TryGetValue(chars, out var kind) ? kind : SyscallKind.Other;
    }

    private static string[] BuildNames()
    {
        var values = Enum.GetValues<SyscallKind>();
        var names = new string[values.Length];
        foreach (var v in values)
        {
            names[(int)v] = v == SyscallKind.Other ? "?" : SnakeCase(v.ToString());
        }

        return names;
    }

    private static Dictionary<string, SyscallKind> BuildLookup()
    {
        var map = new Dictionary<string, SyscallKind>(StringComparer.Ordinal);
        foreach (var v in Enum.GetValues<SyscallKind>())
        {
            if (v != SyscallKind.Other)
            {
                map[Names[(int)v]] = v;
            }
        }

        foreach (var (number, kind) in NumberedCalls)
        {
            map["syscall_0x" + number.ToString("x", System.Globalization.CultureInfo.InvariantCulture)] = kind;
        }

        return map;
    }

    private static string SnakeCase(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
