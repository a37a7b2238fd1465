using Madvise.Abi;

namespace Madvise.Scenarios.Steps;

/// <summary><c>pmadvise PIDFD VEC ADVICE [FLAGS]</c>: process_madvise(2).</summary>
/// <param name="Pidfd">The PIDFD argument (a named pidfd by its name).</param>
/// <param name="Vector">The VEC argument, addresses as written.</param>
/// <param name="Advice">The advice number passed to the kernel.</param>
/// <param name="AdviceText">The advice as printed: its name in upper case without <c>MADV_</c>, or the number as written.</param>
/// <param name="Flags">The flags argument (modulo 2^64; 0 when absent).</param>
public sealed record PmadviseStep(PidfdArgument<string> Pidfd, VectorArgument<AddressExpression> Vector, MemoryAdvice Advice, string AdviceText, ulong Flags) : InTaskStep
{
    /// <inheritdoc/>
    public override string Keyword => "pmadvise";

    internal static Step Parse(ScenarioParser parser, List<ScenarioToken> tokens)
    {
        parser.CheckArgumentCount(tokens, 3, 4);
        var (pidfd, pidfdText) = parser.ParsePidfdArgument(tokens[1]);
        var (vector, vectorText) = parser.ParseVector(tokens[2]);
        var (advice, adviceText) = parser.ParseAdvice(tokens[3]);
        ulong flags = 0;
        var text = $"pmadvise {pidfdText} {vectorText} {adviceText}";
        if (tokens.Count == 5)
        {
            flags = parser.ParseNumber(tokens[4]).Wrapped;
            text += " " + tokens[4].Text;
        }

        return new PmadviseStep(pidfd, vector, advice, adviceText, flags) { Text = text };
    }

    /// <summary>
    /// A named pidfd whose step failed with -ERRNO is a bad descriptor (-EBADF); one whose step
    /// printed SKIP(...) prints that SKIP (runner rule 2). Then the vector's names, in order.
    /// </summary>
    internal override string ExecuteIn(ScenarioRunner runner, ITargetTask task)
    {
        string? failure = null;
        if (!Pidfd.TryResolve(
                (string name, out ITargetPidfd bound) =>
                {
                    var found = runner.TryGetPidfd(name, out var pidfd, out var skip);
                    bound = pidfd!;
                    failure = skip ?? ScenarioResults.Errno(-Errno.EBADF);
                    return found;
                },
                out var pidfd))
        {
            return failure!;
        }

        if (!Vector.TryResolve(
                (AddressExpression address, out ulong value) => runner.TryResolve(address, out value, out failure),
                out var vector))
        {
            return failure!;
        }

        var r = task.ProcessMadvise(pidfd!, vector!, Advice, Flags);
        return r == TargetResult.NotSupported ? ScenarioRunner.NotSupported(task, this) : ScenarioResults.Count(r);
    }
}
