using Madvise.Kernel.Mm.Locking;

namespace Madvise.Kernel.Mm.Reclaim;

/// <summary>
/// One simulated CPU's folio batches in one kernel (Linux: mm/swap.c <c>cpu_fbatches</c>, a
/// per-CPU variable): frames queued for an LRU operation that is applied when the batch is
/// emptied, each entry holding a reference on its frame.
/// </summary>
/// <remarks>
/// The owning CPU's thread adds; any thread may empty (<see cref="LruBatches.DrainAll"/> runs
/// each CPU's drain from the caller, where Linux queues work on that CPU and waits for it).
/// Emptying only moves the entries out under the lock: the LRU work and the reference drops
/// happen after it is released, so the lock stays a leaf.
/// </remarks>
internal sealed class CpuFolioBatches
{
    /// <summary>Batches per CPU (the members of <see cref="LruBatchKind"/>).</summary>
    public const int KindCount = 2;

    /// <summary>
    /// Protects <see cref="_batches"/> (Linux: cpu_fbatches.lock, a local_lock that keeps other
    /// code on the CPU out). Leaf lock (<see cref="LockClass.FolioBatch"/>): taken under the PTE
    /// lock by MADV_FREE and MADV_COLD; nothing is taken while it is held.
    /// </summary>
    private readonly Spinlock _lock = new(LockClass.FolioBatch);

    /// <summary>One batch per <see cref="LruBatchKind"/>. Protected by <see cref="_lock"/>.</summary>
    private readonly FolioBatch[] _batches = [new(), new()];

    /// <summary>Frames queued, all batches together (read without the lock to skip an empty CPU).</summary>
    private int _queued;

    /// <summary>True when no batch of this CPU holds a frame (a racy read, like cpu_needs_drain()).</summary>
    public bool IsEmpty => Volatile.Read(ref _queued) == 0;

    /// <summary>
    /// Queues <paramref name="pfn"/> (whose reference the caller has taken for the batch) on
    /// <paramref name="kind"/>'s batch. When the batch is full, or <paramref name="flushNow"/>
    /// (a large folio, which Linux never leaves in a batch), the whole batch, this frame last, is
    /// moved into <paramref name="flush"/> for the caller to apply.
    /// </summary>
    /// <returns>Frames moved into <paramref name="flush"/>; 0 when the frame stays queued.</returns>
    public int Add(LruBatchKind kind, int pfn, bool flushNow, Span<int> flush)
    {
        using (_lock.EnterScope())
        {
            var batch = _batches[(int)kind];
            if (batch.Add(pfn) > 0 && !flushNow)
            {
                _queued++;
                return 0;
            }

            _queued -= batch.Count - 1;
            return batch.TakeAll(flush);
        }
    }

    /// <summary>Calls <paramref name="visit"/> for every queued frame, under the lock (audits; <paramref name="visit"/> must take no lock).</summary>
    public void ForEachQueued(Action<LruBatchKind, int> visit)
    {
        using (_lock.EnterScope())
        {
            for (var kind = 0; kind < KindCount; kind++)
            {
                foreach (var pfn in _batches[kind].Entries)
                {
                    visit((LruBatchKind)kind, pfn);
                }
            }
        }
    }

    /// <summary>Empties <paramref name="kind"/>'s batch into <paramref name="into"/> (at least <see cref="FolioBatch.Size"/> long).</summary>
    /// <returns>Frames moved.</returns>
    public int Take(LruBatchKind kind, Span<int> into)
    {
        using (_lock.EnterScope())
        {
            var n = _batches[(int)kind].TakeAll(into);
            _queued -= n;
            return n;
        }
    }
}
