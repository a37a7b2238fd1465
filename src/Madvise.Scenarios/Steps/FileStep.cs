namespace Madvise.Scenarios.Steps;

/// <summary><c>file NAME LEN BYTE [memfd]</c>: a backing file of LEN bytes, every byte BYTE, bound to NAME.</summary>
/// <param name="Name">The file name (its own name space).</param>
/// <param name="Length">The file size in bytes.</param>
/// <param name="Fill">The value of every byte.</param>
/// <param name="Memfd">True for a memfd (shmem) file instead of a regular file.</param>
public sealed record FileStep(string Name, ulong Length, byte Fill, bool Memfd) : InTaskStep
{
    /// <inheritdoc/>
    public override string Keyword => "file";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens)
    {
        parser.CheckArgumentCount(tokens, 3, 4);
        var name = parser.ParseNewName(tokens[1]);
        var length = parser.ParseSize(tokens[2].Text, tokens[2].Column);
        var fill = parser.ParseByte(tokens[3]);
        var memfd = false;
        if (tokens.Count == 5)
        {
            if (!ScenarioParser.Is(tokens[4], "memfd"))
            {
                throw parser.Error(tokens[4].Column, "expected 'memfd'");
            }

            memfd = true;
        }

        parser.BindFile(name);
        return new FileStep(name, length, fill, memfd)
        {
            Text = $"file {name} {tokens[2].Text} {tokens[3].Text}" + (memfd ? " memfd" : ""),
        };
    }

    /// <inheritdoc/>
    internal override void Unbind(ScenarioRunner runner) => runner.UnbindFile(Name);

    /// <inheritdoc/>
    internal override string ExecuteIn(ScenarioRunner runner, ITargetTask task)
    {
        var r = task.CreateFile(Name, Length, Fill, Memfd, out var file);
        if (r < 0)
        {
            return ScenarioRunner.Failure(task, this, r);
        }

        runner.BindFile(Name, file ?? throw new InvalidOperationException("CreateFile succeeded without a file"));
        return ScenarioResults.Ok;
    }
}
