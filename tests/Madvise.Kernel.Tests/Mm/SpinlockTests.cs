using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Tests.Shared;

namespace Madvise.Kernel.Tests.Mm;

/// <summary><see cref="Spinlock"/>: mutual exclusion under contention, hand-over to a waiter, recursion refused (debug builds).</summary>
public class SpinlockTests
{
    /// <summary>Non-atomic read-modify-write sections under the lock lose no update, and never overlap.</summary>
    [Fact]
    public void ContendedSectionsAreExclusive()
    {
        var l = new Spinlock(LockClass.Lru);
        var threads = Math.Max(4, Environment.ProcessorCount * 2);
        var perThread = 20_000 * TestThreads.StressFactor;
        long counter = 0;
        var inside = 0;
        var overlaps = 0;
        var tasks = new Task[threads];
        for (var t = 0; t < threads; t++)
        {
            tasks[t] = TestThreads.Start(() =>
            {
                for (var i = 0; i < perThread; i++)
                {
                    using (l.EnterScope())
                    {
                        if (Interlocked.Increment(ref inside) != 1)
                        {
                            Interlocked.Increment(ref overlaps);
                        }

                        // A plain read-modify-write: exact only if the lock excludes the others.
                        var v = counter;
                        if ((i & 63) == 0)
                        {
                            Thread.Yield();
                        }

                        counter = v + 1;
                        Interlocked.Decrement(ref inside);
                    }
                }
            });
        }

        foreach (var task in tasks)
        {
            TestThreads.Join(task, "spinlock workers");
        }

        Assert.Equal(0, overlaps);
        Assert.Equal((long)threads * perThread, counter);
    }

    [Fact]
    public void HeldBetweenEnterAndExit()
    {
        var l = new Spinlock(LockClass.Lru);
        Assert.False(l.IsHeld);
        using (l.EnterScope())
        {
            Assert.True(l.IsHeld);
        }

        Assert.False(l.IsHeld);
    }

#if DEBUG
    /// <summary>Debug builds turn a recursive acquisition (a bug in the caller) into an exception instead of a hang.</summary>
    [Fact]
    public void RecursiveEnterThrowsInDebugBuilds()
    {
        var l = new Spinlock(LockClass.Lru);
        l.Enter();
        Assert.Throws<InvalidOperationException>(() => l.Enter());
        l.Exit();
        Assert.False(l.IsHeld);
    }
#endif

    /// <summary>A waiter gets the lock once the holder releases it.</summary>
    [Fact]
    public void WaiterProceedsAfterRelease()
    {
        var l = new Spinlock(LockClass.Lru);
        l.Enter();
        var acquired = 0;
        var waiter = TestThreads.Start(() =>
        {
            using (l.EnterScope())
            {
                Volatile.Write(ref acquired, 1);
            }
        });
        Thread.Sleep(20);
        Assert.Equal(0, Volatile.Read(ref acquired));
        l.Exit();
        TestThreads.Join(waiter, "waiter");
        Assert.Equal(1, Volatile.Read(ref acquired));
    }
}
