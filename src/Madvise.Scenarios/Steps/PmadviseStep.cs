namespace Madvise.Scenarios.Steps;

/// <summary><c>pmadvise PIDFD VEC BEHAVIOUR [FLAGS]</c>: process_madvise(2).</summary>
/// <param name="Pidfd">The PIDFD argument.</param>
/// <param name="Vector">The VEC argument.</param>
/// <param name="Behavior">The behaviour number passed to the kernel.</param>
/// <param name="BehaviorText">The behaviour as printed: its name in upper case without <c>MADV_</c>, or the number as written.</param>
/// <param name="Flags">The flags argument (modulo 2^64; 0 when absent).</param>
public sealed record PmadviseStep(PidfdExpression Pidfd, VectorExpression Vector, MemoryAdvice Behavior, string BehaviorText, ulong Flags) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "pmadvise";
}
