namespace Madvise.Scenarios.Steps;

/// <summary><c>mmap NAME LEN PROT FLAGS [fd=FILE] [off=SIZE] [at=ADDR]</c>: mmap(2), binding NAME on success.</summary>
/// <param name="Name">The mapping name bound to the returned address.</param>
/// <param name="Length">The length in bytes (modulo 2^64).</param>
/// <param name="Prot">PROT_* bits.</param>
/// <param name="Flags">MAP_* bits.</param>
/// <param name="File">The file name given by <c>fd=</c>, or null for no descriptor (-1).</param>
/// <param name="Offset">The file offset given by <c>off=</c> (0 when absent).</param>
/// <param name="At">The address hint given by <c>at=</c>, or null (0).</param>
public sealed record MmapStep(string Name, ulong Length, int Prot, int Flags, string? File, ulong Offset, AddressExpression? At) : InTaskStep
{
    /// <inheritdoc/>
    public override string Keyword => "mmap";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens)
    {
        if (tokens.Count < 5)
        {
            throw parser.Error(tokens[0].Column, "mmap NAME LEN PROT FLAGS [fd=FILE] [off=SIZE] [at=ADDR]");
        }

        var name = parser.ParseNewName(tokens[1]);
        var length = parser.ParseSize(tokens[2].Text, tokens[2].Column);
        var (prot, protText) = parser.ParseProt(tokens[3]);
        var (flags, flagsText) = parser.ParseMapFlags(tokens[4]);
        string? file = null;
        ulong offset = 0;
        AddressExpression? at = null;
        var text = new List<string> { "mmap", name, tokens[2].Text, protText, flagsText };
        for (var i = 5; i < tokens.Count; i++)
        {
            var t = tokens[i];
            var (key, value, valueColumn) = parser.ParseOption(t, "option must be fd=FILE, off=SIZE or at=ADDR");
            switch (key)
            {
                case "fd":
                    file = parser.ParseFileName(value, valueColumn);
                    break;
                case "off":
                    offset = parser.ParseSize(value, valueColumn);
                    break;
                case "at":
                    at = parser.ParseAddress(value, valueColumn);
                    break;
                default:
                    throw parser.Error(t.Column, $"unknown option {PrintableText.Quote(key)}");
            }

            text.Add(key + "=" + value);
        }

        parser.BindMapping(name);
        return new MmapStep(name, length, prot, flags, file, offset, at) { Text = string.Join(' ', text) };
    }

    /// <inheritdoc/>
    internal override void Unbind(ScenarioRunner runner) => runner.UnbindMapping(Name);

    /// <summary>Unbound names are checked in argument order: <c>fd=</c>, then <c>at=</c> (runner rule 2).</summary>
    internal override string ExecuteIn(ScenarioRunner runner, ITargetTask task)
    {
        ITargetFile? file = null;
        if (File is not null && !runner.TryGetFile(File, out file))
        {
            return ScenarioRunner.Unbound(File);
        }

        ulong at = 0;
        if (At is not null && !runner.TryResolve(At, out at, out var unbound))
        {
            return unbound;
        }

        var r = task.Mmap(at, Length, Prot, Flags, file, Offset, out var mapped);
        if (r < 0)
        {
            return ScenarioRunner.Failure(task, this, r);
        }

        runner.BindMapping(Name, mapped);
        return ScenarioResults.Ok;
    }
}
