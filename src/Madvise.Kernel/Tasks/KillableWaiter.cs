namespace Madvise.Kernel.Tasks;

/// <summary>
/// A thread blocked in a killable wait (Linux: a sleep in TASK_KILLABLE): while it waits it is
/// registered with its task's <see cref="FatalSignal"/>, which calls <see cref="WakeForFatalSignal"/>
/// when SIGKILL arrives so the waiter can give up promptly.
/// </summary>
/// <remarks>
/// Any sleeping lock of the model derives its per-thread waiter from this class. Registration links
/// the waiter into the signal's list intrusively, so a wait allocates nothing.
/// </remarks>
internal abstract class KillableWaiter
{
    /// <summary>Next waiter registered with the same signal; protected by that signal's registry lock.</summary>
    internal KillableWaiter? SignalNext;

    /// <summary>Previous waiter registered with the same signal; protected by that signal's registry lock.</summary>
    internal KillableWaiter? SignalPrev;

    /// <summary>The signal this waiter is registered with, or null; protected by that signal's registry lock.</summary>
    internal FatalSignal? RegisteredWith;

    /// <summary>
    /// Called by <see cref="FatalSignal.Raise"/> under the signal's registry lock: wake the blocked
    /// thread so it sees <see cref="FatalSignal.IsPending"/>. Must not block or take the lock the
    /// thread is waiting for (only the waiter's own wake-up primitive).
    /// </summary>
    internal abstract void WakeForFatalSignal();
}
