namespace Madvise.Kernel.Mm.Locking;

// Read-only views of internal state for tests and diagnostics (reached through InternalsVisibleTo).
public sealed partial class MmapLock
{
    /// <summary>Number of threads queued for the lock right now.</summary>
    internal int QueuedWaiterCount => Volatile.Read(ref _queueLength);

    /// <summary>Whether the Waiters bit is set (it must be exactly when <see cref="QueuedWaiterCount"/> is non-zero, outside the queue lock).</summary>
    internal bool HasWaitersBit => (Volatile.Read(ref _state) & WaitersBit) != 0;

    /// <summary>Modes of the queued waiters, head first ('R' or 'W'), taken under the queue lock.</summary>
    internal string QueueShape()
    {
        lock (_queueLock)
        {
            var chars = new char[_queueLength];
            int i = 0;
            for (MmapLockWaiter? w = _queueHead; w is not null; w = w.Next)
            {
                chars[i++] = w.IsWriter ? 'W' : 'R';
            }

            return new string(chars);
        }
    }
}
