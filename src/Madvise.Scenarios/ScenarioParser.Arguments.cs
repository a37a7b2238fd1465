using Madvise.Abi;
using Madvise.Scenarios.Steps;

namespace Madvise.Scenarios;

/// <summary>Parsers of single arguments (addresses, sizes, PROT, FLAGS, behaviours, vectors, ...).</summary>
public sealed partial class ScenarioParser
{
    /// <summary>The <c>mmap</c> FLAGS words and their MAP_* bits.</summary>
    private static readonly (string Word, int Bits)[] MapFlagWords =
    [
        ("shared", MapFlags.MAP_SHARED), ("private", MapFlags.MAP_PRIVATE), ("fixed", MapFlags.MAP_FIXED),
        ("anon", MapFlags.MAP_ANONYMOUS), ("noreserve", MapFlags.MAP_NORESERVE), ("locked", MapFlags.MAP_LOCKED),
        ("populate", MapFlags.MAP_POPULATE), ("fixed_noreplace", MapFlags.MAP_FIXED_NOREPLACE),
    ];

    internal ulong ParseSize(string text, int column) =>
        ScenarioNumber.TryParseSize(text, out var size) ? size : throw Error(column, $"bad size {PrintableText.Quote(text)}");

    internal ScenarioNumber ParseNumber(ScenarioToken token) =>
        ScenarioNumber.TryParse(token.Text, out var number) ? number : throw Error(token.Column, $"bad number {PrintableText.Quote(token.Text)}");

    internal byte ParseByte(ScenarioToken token)
    {
        var number = ParseNumber(token);
        return number.IsInRange(byte.MaxValue) ? (byte)number.Magnitude : throw Error(token.Column, "BYTE must be 0..255");
    }

    /// <summary>A name a step binds: <c>[A-Za-z_][A-Za-z0-9_]*</c>.</summary>
    internal string ParseNewName(ScenarioToken token) =>
        IsName(token.Text) ? token.Text : throw Error(token.Column, $"bad name {PrintableText.Quote(token.Text)}");

    /// <summary>A task name: <c>self</c> in any case, or a task created by an earlier step.</summary>
    internal string ParseTask(ScenarioToken token)
    {
        if (IsSelf(token.Text))
        {
            return "self";
        }

        return _tasks.Contains(token.Text) ? token.Text : throw Error(token.Column, $"unknown task {PrintableText.Quote(token.Text)}");
    }

    /// <summary><c>NAME</c>, <c>NAME+SIZE</c>, <c>NAME-SIZE</c> or an absolute number; <paramref name="column"/> is where <paramref name="text"/> starts.</summary>
    internal AddressExpression ParseAddress(string text, int column)
    {
        if (ScenarioNumber.TryParse(text, out var absolute))
        {
            return new AddressExpression(null, absolute.Wrapped, text);
        }

        var nameLength = NameLength(text);
        if (nameLength == 0 || (nameLength < text.Length && (nameLength + 1 == text.Length || (text[nameLength] != '+' && text[nameLength] != '-'))))
        {
            throw Error(column, $"bad address {PrintableText.Quote(text)}");
        }

        var name = text[..nameLength];
        if (!_mappings.Contains(name))
        {
            throw Error(column, $"unknown mapping name {PrintableText.Quote(name)}");
        }

        ulong offset = 0;
        if (nameLength < text.Length)
        {
            offset = ParseSize(text[(nameLength + 1)..], column + nameLength + 1);
            if (text[nameLength] == '-')
            {
                offset = unchecked(0UL - offset);
            }
        }

        return new AddressExpression(name, offset, text);
    }

    internal (int Prot, string Text) ParseProt(ScenarioToken token)
    {
        var text = token.Text.ToLowerInvariant();
        if (text == "none")
        {
            return (Prot.PROT_NONE, text);
        }

        var prot = 0;
        foreach (var c in text)
        {
            var bit = c switch
            {
                'r' => Prot.PROT_READ,
                'w' => Prot.PROT_WRITE,
                'x' => Prot.PROT_EXEC,
                _ => 0,
            };
            if (bit == 0 || (prot & bit) != 0)
            {
                throw Error(token.Column, $"bad PROT {PrintableText.Quote(token.Text)}");
            }

            prot |= bit;
        }

        return prot != 0 ? (prot, text) : throw Error(token.Column, $"bad PROT {PrintableText.Quote(token.Text)}");
    }

    internal (int Flags, string Text) ParseMapFlags(ScenarioToken token)
    {
        var text = token.Text.ToLowerInvariant();
        var flags = 0;
        foreach (var word in text.Split(','))
        {
            var bits = 0;
            foreach (var (w, b) in MapFlagWords)
            {
                if (w == word)
                {
                    bits = b;
                }
            }

            flags |= bits != 0 ? bits : throw Error(token.Column, $"unknown mmap flag {PrintableText.Quote(word)}");
        }

        return (flags, text);
    }

    /// <summary>An advice name (any case, without MADV_) or number; the text is what the step echoes.</summary>
    internal (MemoryAdvice Advice, string Text) ParseAdvice(ScenarioToken token)
    {
        if (ScenarioNumber.TryParse(token.Text, out var number))
        {
            // madvise(2) takes an int: the kernel sees the low 32 bits of the register.
            return ((MemoryAdvice)unchecked((int)number.Wrapped), token.Text);
        }

        foreach (var (name, value) in MemoryAdviceNames.All)
        {
            if (string.Equals(name, token.Text, StringComparison.OrdinalIgnoreCase))
            {
                return (value, name);
            }
        }

        throw Error(token.Column, $"unknown behaviour {PrintableText.Quote(token.Text)}");
    }

    internal (int Capability, string Text) ParseCapability(ScenarioToken token)
    {
        foreach (var capability in Enum.GetValues<Capability>())
        {
            var name = capability.ToString();
            if (string.Equals(name, token.Text, StringComparison.OrdinalIgnoreCase))
            {
                return ((int)capability, name);
            }
        }

        if (ScenarioNumber.TryParse(token.Text, out var number) && number.IsInRange(63))
        {
            return ((int)number.Magnitude, token.Text);
        }

        throw Error(token.Column, $"unknown capability {PrintableText.Quote(token.Text)}");
    }

    internal (PidfdArgument<string> Pidfd, string Text) ParsePidfdArgument(ScenarioToken token)
    {
        var text = token.Text;
        if (IsSelf(text))
        {
            return (new PidfdArgument<string>.Self(), "self");
        }

        if (string.Equals(text, "PIDFD_SELF", StringComparison.OrdinalIgnoreCase))
        {
            return (new PidfdArgument<string>.Raw(PidfdConstants.PIDFD_SELF_THREAD), "PIDFD_SELF");
        }

        if (string.Equals(text, "PIDFD_SELF_PROCESS", StringComparison.OrdinalIgnoreCase))
        {
            return (new PidfdArgument<string>.Raw(PidfdConstants.PIDFD_SELF_THREAD_GROUP), "PIDFD_SELF_PROCESS");
        }

        if (ScenarioNumber.TryParse(text, out var number))
        {
            return (new PidfdArgument<string>.Raw(unchecked((long)number.Wrapped)), text);
        }

        return _pidfds.Contains(text) ? (new PidfdArgument<string>.Named(text), text) : throw Error(token.Column, $"unknown pidfd {PrintableText.Quote(text)}");
    }

    internal (VectorArgument<AddressExpression> Vector, string Text) ParseVector(ScenarioToken token)
    {
        var text = token.Text;
        if (text.StartsWith('['))
        {
            return ParseVectorList(token);
        }

        var open = text.IndexOf('(', StringComparison.Ordinal);
        var function = open > 0 ? text[..open].ToLowerInvariant() : "";
        if ((function != "seq" && function != "badptr") || !text.EndsWith(')'))
        {
            throw Error(token.Column, $"bad vector {PrintableText.Quote(text)}");
        }

        var args = text[(open + 1)..^1].Split(',');
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = args[i].Trim();
        }

        var normalised = $"{function}({string.Join(", ", args)})";
        if (function == "badptr")
        {
            if (args.Length != 1 || !ScenarioNumber.TryParse(args[0], out var badCount))
            {
                throw Error(token.Column, "badptr(COUNT) expected");
            }

            return (new VectorArgument<AddressExpression>.BadPointer(badCount.Wrapped), normalised);
        }

        if (args.Length != 4)
        {
            throw Error(token.Column, "seq(ADDR, LEN, STRIDE, COUNT) expected");
        }

        var start = ParseAddress(args[0], token.Column);
        var length = ParseSize(args[1], token.Column);
        var stride = ParseSize(args[2], token.Column);
        if (!ScenarioNumber.TryParse(args[3], out var count))
        {
            throw Error(token.Column, $"bad COUNT {PrintableText.Quote(args[3])}");
        }

        return (new VectorArgument<AddressExpression>.Seq(start, length, stride, count.Wrapped), normalised);
    }

    /// <summary><c>[ADDR LEN; ...]</c> or <c>[]</c>; errors point at the entry's first character.</summary>
    private (VectorArgument<AddressExpression> Vector, string Text) ParseVectorList(ScenarioToken token)
    {
        var inner = token.Text[1..^1];
        if (string.IsNullOrWhiteSpace(inner))
        {
            return (new VectorArgument<AddressExpression>.List([]), "[]");
        }

        var entries = new List<(AddressExpression Base, ulong Length)>();
        var texts = new List<string>();
        var offset = 1;
        foreach (var part in inner.Split(';'))
        {
            var column = token.Column + offset;
            offset += part.Length + 1;
            var fields = ScenarioLexer.SplitWhitespace(part);
            if (fields.Length != 2)
            {
                throw Error(column, "vector entry must be 'ADDR LEN'");
            }

            entries.Add((ParseAddress(fields[0], column), ParseSize(fields[1], column)));
            texts.Add(fields[0] + " " + fields[1]);
        }

        return (new VectorArgument<AddressExpression>.List(entries), "[" + string.Join("; ", texts) + "]");
    }

    private static bool IsName(string text) => text.Length > 0 && NameLength(text) == text.Length;

    /// <summary>The length of the longest prefix of <paramref name="text"/> that is a name (0 when none).</summary>
    private static int NameLength(string text)
    {
        if (text.Length == 0 || !(char.IsAsciiLetter(text[0]) || text[0] == '_'))
        {
            return 0;
        }

        var n = 1;
        while (n < text.Length && (char.IsAsciiLetterOrDigit(text[n]) || text[n] == '_'))
        {
            n++;
        }

        return n;
    }
}
