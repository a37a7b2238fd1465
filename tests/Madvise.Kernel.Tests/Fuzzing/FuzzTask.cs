using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Tests.Fuzzing;

/// <summary>
/// A simulated process as the fuzzer sees it: the task, and the mappings it made lately (a small
/// racy ring, written by any worker: a hint where to aim, never a statement of what is mapped).
/// </summary>
internal sealed class FuzzTask(TaskStruct task)
{
    private const int Slots = 16;

    private readonly ulong[] _starts = new ulong[Slots];
    private readonly ulong[] _lengths = new ulong[Slots];
    private int _next;

    public TaskStruct Task { get; } = task;

    /// <summary>Remembers a mapping the task made.</summary>
    public void Mapped(ulong start, ulong length)
    {
        var i = (Interlocked.Increment(ref _next) & int.MaxValue) % Slots;
        Volatile.Write(ref _lengths[i], 0);
        Volatile.Write(ref _starts[i], start);
        Volatile.Write(ref _lengths[i], length);
    }

    /// <summary>A mapping the task made lately (maybe gone since), or (0, 0).</summary>
    public (ulong Start, ulong Length) RecentMapping(Random r)
    {
        var i = r.Next(Slots);
        return (Volatile.Read(ref _starts[i]), Volatile.Read(ref _lengths[i]));
    }

    /// <summary>Copies what the parent remembered (a forked child has the same mappings).</summary>
    public void InheritFrom(FuzzTask parent)
    {
        for (var i = 0; i < Slots; i++)
        {
            _starts[i] = Volatile.Read(ref parent._starts[i]);
            _lengths[i] = Volatile.Read(ref parent._lengths[i]);
        }
    }
}
