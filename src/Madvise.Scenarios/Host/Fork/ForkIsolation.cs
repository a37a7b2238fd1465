namespace Madvise.Scenarios.Host;

/// <summary>
/// Keeps a fork of this process (task <c>self</c> forking) from changing what the other host
/// targets in the process see: while such a child lives, no other host target runs here.
/// </summary>
/// <remarks>
/// <para>
/// Why: fork copies the whole process, and with it every other target's scenario memory, whose
/// private pages the child then shares. Linux treats shared pages differently: FREE does not
/// lazy-free them, COLD and PAGEOUT skip them, a write copies instead of reusing. A test run
/// with several host targets at once (the test suite's parallel collections) would see
/// results that depend on another test's fork. A fork of an agent or of a forked task copies
/// only that task's process and needs no exclusion.
/// </para>
/// <para>
/// Every host target is registered from its creation to its disposal. The first fork of a
/// target's own process waits until it is the only registered target, and from then until
/// its disposal it holds the process exclusively: new targets wait in their constructor. The
/// waits are bounded (<see cref="Timeout"/>); a target that holds another alive on the same
/// thread while forking would otherwise wait for itself.
/// </para>
/// </remarks>
internal static class ForkIsolation
{
    /// <summary>Longest wait for exclusivity or for registration.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <summary>Monitor for the fields below; nothing else is taken while it is held.</summary>
    private static readonly object s_lock = new();

    /// <summary>Registered targets that do not hold the process exclusively (under <see cref="s_lock"/>).</summary>
    private static int s_shared;

    /// <summary>The target that holds the process exclusively, or null (under <see cref="s_lock"/>).</summary>
    private static object? s_exclusive;

    /// <summary>Registers a new target; waits while another holds the process exclusively.</summary>
    /// <exception cref="TimeoutException">The holder did not finish within <see cref="Timeout"/>.</exception>
    public static void Enter()
    {
        lock (s_lock)
        {
            var deadline = Environment.TickCount64 + (long)Timeout.TotalMilliseconds;
            while (s_exclusive is not null)
            {
                if (!Monitor.Wait(s_lock, Remaining(deadline)))
                {
                    throw new TimeoutException($"A host target of this process has forked it and still runs after {Timeout.TotalMinutes} minutes; a new host target cannot start beside it.");
                }
            }

            s_shared++;
        }
    }

    /// <summary>
    /// Makes <paramref name="target"/> (registered) the only target of the process until it leaves.
    /// </summary>
    /// <returns>False when other targets still ran after <see cref="Timeout"/>; the target is then registered as before.</returns>
    public static bool TryTakeExclusive(object target)
    {
        lock (s_lock)
        {
            if (ReferenceEquals(s_exclusive, target))
            {
                return true;
            }

            s_shared--;
            var deadline = Environment.TickCount64 + (long)Timeout.TotalMilliseconds;
            while (s_exclusive is not null || s_shared > 0)
            {
                if (!Monitor.Wait(s_lock, Remaining(deadline)))
                {
                    s_shared++;
                    Monitor.PulseAll(s_lock);
                    return false;
                }
            }

            s_exclusive = target;
            return true;
        }
    }

    /// <summary>Unregisters <paramref name="target"/> (at its disposal).</summary>
    public static void Leave(object target)
    {
        lock (s_lock)
        {
            if (ReferenceEquals(s_exclusive, target))
            {
                s_exclusive = null;
            }
            else
            {
                s_shared--;
            }

            Monitor.PulseAll(s_lock);
        }
    }

    private static int Remaining(long deadline) => (int)Math.Clamp(deadline - Environment.TickCount64, 0, int.MaxValue);
}
