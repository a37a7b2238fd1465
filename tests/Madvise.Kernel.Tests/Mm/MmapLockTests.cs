using CsCheck;
using Madvise.Abi;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// Deterministic semantics of <see cref="MmapLock"/>: modes, try-locks, asserts, the FIFO queue and
/// reader batching, killable waits, statistics. Blocking cases put threads into a known queue shape
/// (watched through the test hooks) before acting, so no test depends on timing. The locks are
/// not checked by <see cref="Lockdep"/>: these tests take them recursively on one thread on purpose.
/// </summary>
public sealed class MmapLockTests
{
    [Fact]
    public void ReadersShareAndExcludeWriters()
    {
        var l = new MmapLock(lockdep: false);
        long t1 = l.AcquireRead();
        long t2 = l.AcquireRead();
        Assert.Equal(2, l.ReaderCount);
        Assert.False(l.IsWriteLocked);
        Assert.False(l.TryAcquireWrite(out _));
        Assert.True(l.TryAcquireRead(out long t3));
        Assert.Equal(3, l.ReaderCount);
        l.ReleaseRead(t1);
        l.ReleaseRead(t2);
        l.ReleaseRead(t3);
        Assert.Equal(0, l.ReaderCount);
        Assert.True(l.TryAcquireWrite(out long w));
        Assert.True(l.IsWriteLocked);
        Assert.False(l.TryAcquireRead(out _));
        Assert.False(l.TryAcquireWrite(out _));
        l.ReleaseWrite(w);
        Assert.False(l.IsWriteLocked);
    }

    [Fact]
    public void AssertsFollowTheHeldMode()
    {
        var l = new MmapLock(lockdep: false);
        var e = Assert.Throws<InvalidOperationException>(l.AssertLocked);
        Assert.StartsWith("mmap_lock must be held", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(l.AssertWriteLocked);

        long r = l.AcquireRead();
        l.AssertLocked();
        e = Assert.Throws<InvalidOperationException>(l.AssertWriteLocked);
        Assert.StartsWith("mmap_lock must be held for writing", e.Message, StringComparison.Ordinal);
        l.ReleaseRead(r);

        long w = l.AcquireWrite();
        l.AssertLocked();
        l.AssertWriteLocked();
        l.ReleaseWrite(w);
        Assert.Throws<InvalidOperationException>(l.AssertLocked);
    }

    [Fact]
    public void UnbalancedReleasesThrowAndLeaveTheLockUsable()
    {
        var l = new MmapLock(lockdep: false);
        Assert.Throws<InvalidOperationException>(() => l.ReleaseRead(0));
        Assert.Throws<InvalidOperationException>(() => l.ReleaseWrite(0));
        Assert.Equal(0, l.ReaderCount);
        Assert.False(l.IsWriteLocked);

        long w = l.AcquireWrite();
        Assert.Throws<InvalidOperationException>(() => l.ReleaseRead(0));
        Assert.True(l.IsWriteLocked);
        l.ReleaseWrite(w);

        long r = l.AcquireRead();
        Assert.Throws<InvalidOperationException>(() => l.ReleaseWrite(0));
        l.ReleaseRead(r);
        Assert.True(l.TryAcquireWrite(out w));
        l.ReleaseWrite(w);
        Assert.Equal(1, l.GetStatistics().ReadAcquisitions);
    }

    [Fact]
    public void WriterWaitsForReaderAndIsCountedAsContended()
    {
        var l = new MmapLock(lockdep: false);
        long r = l.AcquireRead();
        Task<int> writer = TestThreads.Start(() =>
        {
            long t = l.AcquireWrite();
            bool exclusive = l.IsWriteLocked && l.ReaderCount == 0;
            l.ReleaseWrite(t);
            return exclusive ? 1 : 0;
        });

        TestThreads.WaitUntil(() => l.QueuedWaiterCount == 1, "the writer queueing");
        Assert.True(l.HasWaitersBit);
        Assert.False(writer.IsCompleted);
        l.ReleaseRead(r);
        Assert.Equal(1, TestThreads.Join(writer, "the writer"));

        Assert.False(l.HasWaitersBit);
        MmapLockStatistics s = l.GetStatistics();
        Assert.Equal(1, s.WriteAcquisitions);
        Assert.Equal(1, s.ContendedWriteAcquisitions);
        Assert.Equal(1, s.WriteWaitNanoseconds.Count);
        Assert.True(s.WriteWaitNanoseconds.Max > 0, "a writer that slept waited a positive time");
        Assert.Equal(1, s.ReadAcquisitions);
        Assert.Equal(0, s.ContendedReadAcquisitions);
    }

    [Fact]
    public void ReaderArrivingAfterQueuedWriterWaitsBehindIt()
    {
        var l = new MmapLock(lockdep: false);
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        long r1 = l.AcquireRead();

        using var writerMayRelease = new ManualResetEventSlim();
        Task writer = TestThreads.Start(() =>
        {
            long t = l.AcquireWrite();
            order.Enqueue("W");
            writerMayRelease.Wait();
            l.ReleaseWrite(t);
        });
        TestThreads.WaitUntil(() => l.QueueShape() == "W", "the writer queueing");

        // The lock is only read-held, yet a new reader must not pass the queued writer.
        Assert.False(l.TryAcquireRead(out _));
        Task reader = TestThreads.Start(() =>
        {
            long t = l.AcquireRead();
            order.Enqueue("R2");
            l.ReleaseRead(t);
        });
        TestThreads.WaitUntil(() => l.QueueShape() == "WR", "the second reader queueing behind the writer");

        l.ReleaseRead(r1);
        TestThreads.WaitUntil(() => l.IsWriteLocked, "the writer being granted");
        Assert.Equal("R", l.QueueShape());
        writerMayRelease.Set();
        TestThreads.Join(writer, "the writer");
        TestThreads.Join(reader, "the second reader");
        Assert.Equal(["W", "R2"], order.ToArray());
    }

    [Fact]
    public void WakeUpGrantsAllQueuedReadersAndKeepsWritersInPlace()
    {
        var l = new MmapLock(lockdep: false);
        long w0 = l.AcquireWrite();
        using var release = new ManualResetEventSlim();
        var tasks = new List<Task>();

        // Queue: R W R R (built one at a time so the order is known).
        string shape = "";
        foreach (bool isWriter in new[] { false, true, false, false })
        {
            tasks.Add(TestThreads.Start(() =>
            {
                if (isWriter)
                {
                    long t = l.AcquireWrite();
                    release.Wait();
                    l.ReleaseWrite(t);
                }
                else
                {
                    long t = l.AcquireRead();
                    release.Wait();
                    l.ReleaseRead(t);
                }
            }));
            shape += isWriter ? "W" : "R";
            string expected = shape;
            TestThreads.WaitUntil(() => l.QueueShape() == expected, "queue shape " + expected);
        }

        l.ReleaseWrite(w0);
        TestThreads.WaitUntil(() => l.ReaderCount == 3, "all three queued readers granted");
        Assert.Equal("W", l.QueueShape());
        Assert.False(l.IsWriteLocked);

        release.Set();
        foreach (Task t in tasks)
        {
            TestThreads.Join(t, "a queued worker");
        }

        MmapLockStatistics s = l.GetStatistics();
        Assert.Equal(3, s.ContendedReadAcquisitions);
        Assert.Equal(1, s.ContendedWriteAcquisitions);
        Assert.Equal(3, s.ReadAcquisitions);
        Assert.Equal(2, s.WriteAcquisitions);
    }

    [Fact]
    public void OneWakeUpGrantsAtMost256Readers()
    {
        const int readers = MmapLock.MaxReadersPerWakeup + 20;
        var l = new MmapLock(lockdep: false);
        long w = l.AcquireWrite();
        using var release = new ManualResetEventSlim();
        var tasks = new Task[readers];
        for (int i = 0; i < readers; i++)
        {
            tasks[i] = TestThreads.Start(() =>
            {
                long t = l.AcquireRead();
                release.Wait();
                l.ReleaseRead(t);
            });
        }

        TestThreads.WaitUntil(() => l.QueuedWaiterCount == readers, "all readers queueing");
        l.ReleaseWrite(w);
        TestThreads.WaitUntil(() => l.ReaderCount == MmapLock.MaxReadersPerWakeup, "the first batch of readers granted");
        Assert.Equal(readers - MmapLock.MaxReadersPerWakeup, l.QueuedWaiterCount);

        // The rest are granted by the next wake-up: when the first batch has left.
        release.Set();
        foreach (Task t in tasks)
        {
            TestThreads.Join(t, "a reader");
        }

        Assert.Equal(readers, l.GetStatistics().ContendedReadAcquisitions);
        Assert.Equal(0, l.QueuedWaiterCount);
        Assert.Equal(0, l.ReaderCount);
    }

    [Fact]
    public void KilledWriterReturnsEintrHoldingNothingAndReadersBehindItAreGranted()
    {
        var l = new MmapLock(lockdep: false);
        var task = new FatalSignal();
        long r1 = l.AcquireRead();

        Task<(int Result, long Token)> writer = TestThreads.Start(() =>
        {
            int result = l.AcquireWriteKillable(task, out long token);
            return (result, token);
        });
        TestThreads.WaitUntil(() => l.QueueShape() == "W" && task.RegisteredWaiterCount == 1, "the killable writer sleeping");

        using var readerMayRelease = new ManualResetEventSlim();
        Task reader = TestThreads.Start(() =>
        {
            long t = l.AcquireRead();
            readerMayRelease.Wait();
            l.ReleaseRead(t);
        });
        TestThreads.WaitUntil(() => l.QueueShape() == "WR", "a reader queueing behind the writer");

        task.Raise();
        (int result, long token) = TestThreads.Join(writer, "the killed writer");
        Assert.Equal(-Errno.EINTR, result);
        Assert.Equal(0, token);
        Assert.Equal(0, task.RegisteredWaiterCount);

        // Removing the writer let the reader behind it in, next to the first reader.
        TestThreads.WaitUntil(() => l.ReaderCount == 2, "the reader behind the killed writer granted");
        Assert.False(l.IsWriteLocked);
        Assert.Equal(0, l.QueuedWaiterCount);
        Assert.False(l.HasWaitersBit);

        readerMayRelease.Set();
        TestThreads.Join(reader, "the reader");
        l.ReleaseRead(r1);

        // The task's signal is still pending, but an uncontended acquisition succeeds, as in Linux.
        Assert.Equal(0, l.AcquireWriteKillable(task, out long w));
        l.ReleaseWrite(w);
        task.Clear();
        Assert.Equal(0, l.AcquireWriteKillable(task, out w));
        l.ReleaseWrite(w);

        MmapLockStatistics s = l.GetStatistics();
        Assert.Equal(1, s.InterruptedWriteAcquisitions);
        Assert.Equal(2, s.WriteAcquisitions);
        Assert.Equal(1, s.ContendedReadAcquisitions);
    }

    [Fact]
    public void PendingSignalFailsAWaitingAcquisitionAtOnce()
    {
        var l = new MmapLock(lockdep: false);
        var task = new FatalSignal();
        task.Raise();
        long r = l.AcquireRead();

        // Would have to wait: -EINTR immediately, on this thread, without queueing.
        Assert.Equal(-Errno.EINTR, l.AcquireWriteKillable(task, out long token));
        Assert.Equal(0, token);
        Assert.Equal(0, l.QueuedWaiterCount);
        Assert.Equal(1, l.ReaderCount);
        Assert.False(l.IsWriteLocked);

        // Readers do not wait for readers: the killable read succeeds despite the signal.
        Assert.Equal(0, l.AcquireReadKillable(task, out long r2));
        l.ReleaseRead(r2);
        l.ReleaseRead(r);

        long w = l.AcquireWrite();
        Assert.Equal(-Errno.EINTR, l.AcquireReadKillable(task, out _));
        l.ReleaseWrite(w);

        MmapLockStatistics s = l.GetStatistics();
        Assert.Equal(1, s.InterruptedWriteAcquisitions);
        Assert.Equal(1, s.InterruptedReadAcquisitions);
        Assert.Equal(2, s.ReadAcquisitions);
        Assert.Equal(1, s.WriteAcquisitions);
    }

    [Fact]
    public void NullSignalMakesKillableAcquisitionsWaitUninterruptibly()
    {
        var l = new MmapLock(lockdep: false);
        long w = l.AcquireWrite();
        Task<int> reader = TestThreads.Start(() =>
        {
            int result = l.AcquireReadKillable(null, out long t);
            l.ReleaseRead(t);
            return result;
        });
        TestThreads.WaitUntil(() => l.QueuedWaiterCount == 1, "the reader queueing");
        l.ReleaseWrite(w);
        Assert.Equal(0, TestThreads.Join(reader, "the reader"));
    }

    [Fact]
    public void KilledReaderLeavesTheQueue()
    {
        var l = new MmapLock(lockdep: false);
        var task = new FatalSignal();
        long w = l.AcquireWrite();
        Task<int> reader = TestThreads.Start(() => l.AcquireReadKillable(task, out _));
        TestThreads.WaitUntil(() => l.QueuedWaiterCount == 1 && task.RegisteredWaiterCount == 1, "the killable reader sleeping");
        task.Raise();
        Assert.Equal(-Errno.EINTR, TestThreads.Join(reader, "the killed reader"));
        Assert.Equal(0, l.QueuedWaiterCount);
        Assert.False(l.HasWaitersBit);
        l.ReleaseWrite(w);
        Assert.Equal(0, l.ReaderCount);
        Assert.Equal(1, l.GetStatistics().InterruptedReadAcquisitions);
    }

    [Fact]
    public void OneRaiseWakesEveryThreadOfTheTaskOnEveryLock()
    {
        var a = new MmapLock(lockdep: false);
        var b = new MmapLock(lockdep: false);
        var task = new FatalSignal();
        long wa = a.AcquireWrite();
        long rb = b.AcquireRead();

        Task<int> onA = TestThreads.Start(() => a.AcquireReadKillable(task, out _));
        Task<int> onB = TestThreads.Start(() => b.AcquireWriteKillable(task, out _));
        TestThreads.WaitUntil(() => task.RegisteredWaiterCount == 2 && a.QueuedWaiterCount == 1 && b.QueuedWaiterCount == 1, "both threads sleeping");

        task.Raise();
        Assert.Equal(-Errno.EINTR, TestThreads.Join(onA, "the thread on lock A"));
        Assert.Equal(-Errno.EINTR, TestThreads.Join(onB, "the thread on lock B"));
        a.ReleaseWrite(wa);
        b.ReleaseRead(rb);
        Assert.Equal(0, a.QueuedWaiterCount + b.QueuedWaiterCount);
    }

    [Fact]
    public void KilledWriterBehindWriterLetsLaterReadersWaitForTheHolder()
    {
        var l = new MmapLock(lockdep: false);
        var task = new FatalSignal();
        long w1 = l.AcquireWrite();
        Task<int> killable = TestThreads.Start(() => l.AcquireWriteKillable(task, out _));
        TestThreads.WaitUntil(() => l.QueueShape() == "W", "the killable writer queueing");
        Task<int> reader = TestThreads.Start(() =>
        {
            long t = l.AcquireRead();
            l.ReleaseRead(t);
            return 1;
        });
        TestThreads.WaitUntil(() => l.QueueShape() == "WR", "the reader queueing");

        task.Raise();
        Assert.Equal(-Errno.EINTR, TestThreads.Join(killable, "the killed writer"));

        // The lock is still write-held: the reader stays queued until the holder leaves.
        Assert.Equal("R", l.QueueShape());
        Assert.True(l.IsWriteLocked);
        l.ReleaseWrite(w1);
        Assert.Equal(1, TestThreads.Join(reader, "the reader"));
    }

    [Fact]
    public void UncontendedAcquisitionsAreCountedExactly()
    {
        const int n = 1000;
        var l = new MmapLock(lockdep: false);
        for (int i = 0; i < n; i++)
        {
            l.ReleaseRead(l.AcquireRead());
            l.ReleaseWrite(l.AcquireWrite());
            Assert.True(l.TryAcquireRead(out long r));
            l.ReleaseRead(r);
            Assert.True(l.TryAcquireWrite(out long w));
            l.ReleaseWrite(w);
            Assert.Equal(0, l.AcquireReadKillable(null, out r));
            l.ReleaseRead(r);
            Assert.Equal(0, l.AcquireWriteKillable(null, out w));
            l.ReleaseWrite(w);
        }

        MmapLockStatistics s = l.GetStatistics();
        Assert.Equal(3 * n, s.ReadAcquisitions);
        Assert.Equal(3 * n, s.WriteAcquisitions);
        Assert.Equal(0, s.ContendedReadAcquisitions + s.ContendedWriteAcquisitions + s.InterruptedAcquisitions);

        // Uncontended acquisitions are zero waits; hold times were not recorded.
        Assert.Equal(3 * n, s.ReadWaitNanoseconds.Count);
        Assert.Equal(0, s.ReadWaitNanoseconds.Max);
        Assert.Equal(3 * n, s.WriteWaitNanoseconds.Count);
        Assert.Equal(0, s.WriteWaitNanoseconds.ValueAtPercentile(100));
        Assert.Equal(0, s.ReadHoldNanoseconds.Count);
        Assert.Equal(0, s.WriteHoldNanoseconds.Count);
    }

    [Fact]
    public void ResetStatisticsZeroesEverything()
    {
        var l = new MmapLock(lockdep: false) { RecordHoldTimes = true };
        long r = l.AcquireRead();
        Task writer = TestThreads.Start(() => l.ReleaseWrite(l.AcquireWrite()));
        TestThreads.WaitUntil(() => l.QueuedWaiterCount == 1, "the writer queueing");
        l.ReleaseRead(r);
        TestThreads.Join(writer, "the writer");
        var signal = new FatalSignal();
        signal.Raise();
        r = l.AcquireRead();
        Assert.Equal(-Errno.EINTR, l.AcquireWriteKillable(signal, out _));
        l.ReleaseRead(r);

        MmapLockStatistics before = l.GetStatistics();
        Assert.Equal(2, before.ReadAcquisitions);
        Assert.Equal(1, before.ContendedWriteAcquisitions);
        Assert.Equal(1, before.InterruptedWriteAcquisitions);
        Assert.Equal(1, before.WriteHoldNanoseconds.Count);

        l.ResetStatistics();
        MmapLockStatistics s = l.GetStatistics();
        Assert.Equal(0, s.ReadAcquisitions + s.WriteAcquisitions);
        Assert.Equal(0, s.ContendedReadAcquisitions + s.ContendedWriteAcquisitions + s.InterruptedAcquisitions);
        Assert.Equal(0, s.ReadWaitNanoseconds.Count + s.WriteWaitNanoseconds.Count);
        Assert.Equal(0, s.ReadHoldNanoseconds.Count + s.WriteHoldNanoseconds.Count);

        // Counting resumes from zero.
        l.ReleaseRead(l.AcquireRead());
        l.ReleaseWrite(l.AcquireWrite());
        s = l.GetStatistics();
        Assert.Equal(1, s.ReadAcquisitions);
        Assert.Equal(1, s.WriteAcquisitions);
    }

    [Fact]
    public void RecordHoldTimesFillsHoldHistogramsOnlyWhileOn()
    {
        var l = new MmapLock(lockdep: false);
        Assert.False(l.RecordHoldTimes);
        Assert.Equal(0, l.AcquireRead());
        l.ReleaseRead(0);

        l.RecordHoldTimes = true;
        for (int i = 0; i < 5; i++)
        {
            long r = l.AcquireRead();
            Assert.NotEqual(0, r);
            l.ReleaseRead(r);
        }

        for (int i = 0; i < 3; i++)
        {
            Assert.True(l.TryAcquireWrite(out long w));
            Assert.NotEqual(0, w);
            l.ReleaseWrite(w);
        }

        // A token taken while recording still records after recording is switched off, and a
        // token of 0 records nothing after it is switched on.
        long late = l.AcquireRead();
        l.RecordHoldTimes = false;
        l.ReleaseRead(late);
        long early = l.AcquireWrite();
        l.RecordHoldTimes = true;
        l.ReleaseWrite(early);

        MmapLockStatistics s = l.GetStatistics();
        Assert.Equal(6, s.ReadHoldNanoseconds.Count);
        Assert.Equal(3, s.WriteHoldNanoseconds.Count);
        Assert.True(s.ReadHoldNanoseconds.Min >= 0);
    }

    /// <summary>A naive model of the lock for single-threaded sequences of non-blocking operations.</summary>
    private sealed class Model
    {
        public int Readers;
        public bool Writer;
        public long Reads;
        public long Writes;
    }

    [Fact]
    public void NonBlockingOperationsMatchANaiveModel()
    {
        // 0 try-read, 1 try-write, 2 release a read, 3 release the write, 4 killable read, 5 killable write.
        Gen.Int[0, 5].Array[0, 200].Sample(ops =>
        {
            var l = new MmapLock(lockdep: false);
            var m = new Model();
            var signal = new FatalSignal();
            signal.Raise();
            foreach (int op in ops)
            {
                switch (op)
                {
                    case 0:
                        Assert.Equal(!m.Writer, l.TryAcquireRead(out _));
                        if (!m.Writer)
                        {
                            m.Readers++;
                            m.Reads++;
                        }

                        break;
                    case 1:
                        bool free = !m.Writer && m.Readers == 0;
                        Assert.Equal(free, l.TryAcquireWrite(out _));
                        if (free)
                        {
                            m.Writer = true;
                            m.Writes++;
                        }

                        break;
                    case 2:
                        if (m.Readers > 0)
                        {
                            l.ReleaseRead(0);
                            m.Readers--;
                        }
                        else
                        {
                            Assert.Throws<InvalidOperationException>(() => l.ReleaseRead(0));
                        }

                        break;
                    case 3:
                        if (m.Writer)
                        {
                            l.ReleaseWrite(0);
                            m.Writer = false;
                        }
                        else
                        {
                            Assert.Throws<InvalidOperationException>(() => l.ReleaseWrite(0));
                        }

                        break;
                    case 4:
                        // With the signal pending, a killable acquisition succeeds exactly when it need not wait.
                        int rr = l.AcquireReadKillable(signal, out _);
                        Assert.Equal(m.Writer ? -Errno.EINTR : 0, rr);
                        if (rr == 0)
                        {
                            m.Readers++;
                            m.Reads++;
                        }

                        break;
                    default:
                        bool canWrite = !m.Writer && m.Readers == 0;
                        Assert.Equal(canWrite ? 0 : -Errno.EINTR, l.AcquireWriteKillable(signal, out _));
                        if (canWrite)
                        {
                            m.Writer = true;
                            m.Writes++;
                        }

                        break;
                }

                Assert.Equal(m.Readers, l.ReaderCount);
                Assert.Equal(m.Writer, l.IsWriteLocked);
                Assert.Equal(0, l.QueuedWaiterCount);
            }

            MmapLockStatistics s = l.GetStatistics();
            Assert.Equal(m.Reads, s.ReadAcquisitions);
            Assert.Equal(m.Writes, s.WriteAcquisitions);
        });
    }
}
