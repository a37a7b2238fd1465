using System.Runtime.CompilerServices;
using System.Reflection;

namespace Madvise.Replay.Strace;

/// <summary>
/// Name → value tables for the symbolic arguments strace prints, built from the project's ABI
/// constants (Madvise.Abi) by reflection so that no table is written twice.
/// </summary>
internal sealed class ConstantNames
{
    private readonly Dictionary<string, ulong> _byName;

    private readonly Dictionary<string, ulong>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private ConstantNames(Dictionary<string, ulong> byName)
    {
        _byName = byName;
        _lookup = byName.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>No names: numbers only.</summary>
    public static ConstantNames None { get; } = new(new Dictionary<string, ulong>(StringComparer.Ordinal));

    /// <summary>PROT_* (Madvise.Abi.Prot).</summary>
    public static ConstantNames Prot { get; } = FromConstants(typeof(Prot), "PROT_");

    /// <summary>MAP_* flags (Madvise.Abi.MapFlags) without the MAP_TYPE mask, and MAP_FILE (0, which strace prints for flags 0).</summary>
    public static ConstantNames Map { get; } = FromConstants(typeof(MapFlags), "MAP_", nameof(MapFlags.MAP_TYPE)).With("MAP_FILE", 0);

    /// <summary>CLONE_* (Madvise.Abi.CloneFlags).</summary>
    public static ConstantNames Clone { get; } = FromConstants(typeof(CloneFlags), "CLONE_");

    /// <summary>MREMAP_* (Madvise.Abi.MremapFlags).</summary>
    public static ConstantNames Mremap { get; } = FromConstants(typeof(MremapFlags), "MREMAP_");

    /// <summary>pidfd_open flags (Madvise.Abi.PidfdConstants' unsigned PIDFD_* members).</summary>
    public static ConstantNames PidfdOpen { get; } = FromConstants(typeof(PidfdConstants), "PIDFD_", nameof(PidfdConstants.PIDFD_SELF_THREAD), nameof(PidfdConstants.PIDFD_SELF_THREAD_GROUP));

    /// <summary>MADV_* (Madvise.Abi.MemoryAdviceNames).</summary>
    public static ConstantNames Advice { get; } = FromAdvice();

    /// <summary>errno names (Madvise.Abi.Errno.Name over the numbers it names).</summary>
    public static ConstantNames Errnos { get; } = FromErrno();

    /// <summary>This table plus one name.</summary>
    private ConstantNames With(string name, ulong value)
    {
        _byName[name] = value;
        return this;
    }

    /// <summary>Looks up an ASCII name.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryGet(ReadOnlySpan<byte> name, out ulong value)
    {
        value = 0;
        if (name.IsEmpty || name.Length > 48)
        {
            return false;
        }

        Span<char> chars = stackalloc char[name.Length];
        for (var i = 0; i < name.Length; i++)
        {
            chars[i] = (char)name[i];
        }

        return _lookup.TryGetValue(chars, out value);
    }

    /// <summary>Number of names.</summary>
    public int Count => _byName.Count;

    private static ConstantNames FromConstants(Type type, string prefix, params string[] exclude)
    {
        var map = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (!field.IsLiteral || !field.Name.StartsWith(prefix, StringComparison.Ordinal) || exclude.Contains(field.Name))
            {
                continue;
            }

            var raw = field.GetRawConstantValue();
            map[field.Name] = raw switch
            {
                int i => unchecked((ulong)(uint)i),
                uint u => u,
                long l => unchecked((ulong)l),
                ulong ul => ul,
                _ => throw new InvalidOperationException($"{type.Name}.{field.Name}: unexpected constant type"),
            };
        }

        return new ConstantNames(map);
    }

    private static ConstantNames FromAdvice()
    {
        var map = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var (name, value) in MemoryAdviceNames.All)
        {
            map["MADV_" + name] = (ulong)(uint)(int)value;
        }

        return new ConstantNames(map);
    }

    private static ConstantNames FromErrno()
    {
        var map = new Dictionary<string, ulong>(StringComparer.Ordinal);
        for (var e = 1; e < 1024; e++)
        {
            var name = Errno.Name(e);
            if (!name.AsSpan(1).ContainsAnyExceptInRange('0', '9'))
            {
                continue;
            }

            map[name] = (ulong)e;
        }

        return new ConstantNames(map);
    }
}
