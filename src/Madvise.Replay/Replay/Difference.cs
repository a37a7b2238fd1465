namespace Madvise.Replay.Replay;

/// <summary>A logged call whose result the simulated kernel did not reproduce.</summary>
/// <param name="Line">Line number of the call (of its first line when split).</param>
/// <param name="Tid">The thread.</param>
/// <param name="Text">The call as logged (a split call joined).</param>
/// <param name="Logged">The logged result (<c>0</c>, <c>0x7f…</c>, <c>-1 EPERM</c>).</param>
/// <param name="Ours">The simulated kernel's result, in the same spelling.</param>
/// <param name="Note">What the replayer knows about it, or null.</param>
public sealed record Difference(long Line, int Tid, string Text, string Logged, string Ours, string? Note);
