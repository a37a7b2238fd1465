namespace Madvise.Scenarios.Host;

internal sealed partial class TaskExecutor
{
    /// <summary>
    /// What the executor of a forked child starts from: fork(2) copies the address space (so the
    /// scenario's ranges and the arena they were placed in) and the descriptor table (so every
    /// descriptor at the same number).
    /// </summary>
    /// <param name="ArenaBottom">The parent's arena, lowest address.</param>
    /// <param name="ArenaTop">The parent's arena, first address above.</param>
    /// <param name="Owned">The ranges the scenario mapped in the parent.</param>
    /// <param name="Descriptors">The parent's descriptors: target-wide id and number.</param>
    internal sealed record ForkState(ulong ArenaBottom, ulong ArenaTop, IReadOnlyList<(ulong Start, ulong End)> Owned, IReadOnlyList<(int Id, int Fd)> Descriptors);

    /// <summary>This executor's state as a fork of its process copies it (the own pidfd of <c>pmadvise self</c> is not part of it).</summary>
    internal ForkState StateForFork()
    {
        var descriptors = new List<(int, int)>(_descriptors.Count);
        foreach (var (id, fd) in _descriptors)
        {
            descriptors.Add((id, fd));
        }

        return new ForkState(_arena.Bottom, _arena.Top, [.. _guard.Owned.Ranges], descriptors);
    }

    /// <summary>The descriptor numbers a forked child keeps: the scenario's files and pidfds this process holds.</summary>
    internal int[] DescriptorNumbers() => [.. _descriptors.Values];

    /// <summary>The executor of a forked child whose system calls go through <paramref name="sys"/>.</summary>
    internal static TaskExecutor ForChild(ITaskSyscalls sys, ForkState state)
    {
        var executor = new TaskExecutor(sys, new MmapArena(state.ArenaBottom, state.ArenaTop));
        foreach (var (start, end) in state.Owned)
        {
            executor._guard.Owned.Add(start, end);
        }

        foreach (var (id, fd) in state.Descriptors)
        {
            executor._descriptors[id] = fd;
        }

        return executor;
    }
}
