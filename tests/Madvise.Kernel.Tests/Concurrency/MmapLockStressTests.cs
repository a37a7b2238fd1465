using Madvise.Abi;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;
using Xunit.Abstractions;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// Races on <see cref="MmapLock"/>: mutual exclusion checked against a shared invariant, exact
/// counters under contention, kills racing with grants, no writer starvation. Quick by default;
/// MADV_STRESS=1 (or a factor) runs them longer.
/// </summary>
public sealed class MmapLockStressTests(ITestOutputHelper output)
{
    /// <summary>State the workers share: guarded by the lock under test, deliberately plain fields.</summary>
    private sealed class Shared
    {
        /// <summary>Two halves of one value that writers change one after the other.</summary>
        public long A;

        /// <summary>Must equal <see cref="A"/> whenever no writer is inside.</summary>
        public long B;

        /// <summary>Threads inside as readers (interlocked).</summary>
        public int ActiveReaders;

        /// <summary>Threads inside as writers (interlocked).</summary>
        public int ActiveWriters;

        /// <summary>Invariant violations seen (interlocked).</summary>
        public int Violations;

        /// <summary>First violation, for the failure message.</summary>
        public string? FirstViolation;

        public void Fail(string what)
        {
            if (Interlocked.Increment(ref Violations) == 1)
            {
                FirstViolation = what;
            }
        }

        public void ReadSection()
        {
            int readers = Interlocked.Increment(ref ActiveReaders);
            if (Volatile.Read(ref ActiveWriters) != 0)
            {
                Fail($"a reader is inside with a writer ({readers} readers)");
            }

            long a = A;
            Thread.SpinWait(10);
            long b = B;
            if (a != b)
            {
                Fail($"a reader saw a torn value {a}/{b}");
            }

            Interlocked.Decrement(ref ActiveReaders);
        }

        public void WriteSection()
        {
            int writers = Interlocked.Increment(ref ActiveWriters);
            int readers = Volatile.Read(ref ActiveReaders);
            if (writers != 1 || readers != 0)
            {
                Fail($"a writer is inside with {writers - 1} writers and {readers} readers");
            }

            long next = A + 1;
            A = next;
            Thread.SpinWait(20);
            B = next;
            Interlocked.Decrement(ref ActiveWriters);
        }
    }

    [Fact]
    public void ReadersShareWritersExcludeAndCountersStayExact()
    {
        const int readerThreads = 3;
        const int writerThreads = 2;
        int ops = 5_000 * TestThreads.StressFactor;
        var l = new MmapLock { RecordHoldTimes = true };
        var shared = new Shared();
        var reads = new long[readerThreads];
        var writes = new long[writerThreads];
        var tasks = new List<Task>();

        for (int i = 0; i < readerThreads; i++)
        {
            int me = i;
            tasks.Add(TestThreads.Start(() =>
            {
                for (int n = 0; n < ops; n++)
                {
                    long token;
                    switch (n % 3)
                    {
                        case 0:
                            token = l.AcquireRead();
                            break;
                        case 1:
                            if (!l.TryAcquireRead(out token))
                            {
                                continue;
                            }

                            break;
                        default:
                            Assert.Equal(0, l.AcquireReadKillable(null, out token));
                            break;
                    }

                    shared.ReadSection();
                    l.ReleaseRead(token);
                    reads[me]++;
                }
            }));
        }

        for (int i = 0; i < writerThreads; i++)
        {
            int me = i;
            tasks.Add(TestThreads.Start(() =>
            {
                for (int n = 0; n < ops; n++)
                {
                    long token;
                    switch (n % 3)
                    {
                        case 0:
                            token = l.AcquireWrite();
                            break;
                        case 1:
                            if (!l.TryAcquireWrite(out token))
                            {
                                continue;
                            }

                            break;
                        default:
                            Assert.Equal(0, l.AcquireWriteKillable(null, out token));
                            break;
                    }

                    shared.WriteSection();
                    l.ReleaseWrite(token);
                    writes[me]++;
                }
            }));
        }

        foreach (Task t in tasks)
        {
            TestThreads.Join(t, "a worker");
        }

        Assert.True(shared.Violations == 0, shared.FirstViolation);
        Assert.All(reads, r => Assert.True(r > 0, "every reader made progress"));
        Assert.All(writes, w => Assert.True(w > 0, "every writer made progress"));
        Assert.Equal(writes.Sum(), shared.A);
        AssertIdle(l);

        MmapLockStatistics s = l.GetStatistics();
        output.WriteLine(s.ToString());
        Assert.Equal(reads.Sum(), s.ReadAcquisitions);
        Assert.Equal(writes.Sum(), s.WriteAcquisitions);
        Assert.Equal(reads.Sum(), s.ReadHoldNanoseconds.Count);
        Assert.Equal(writes.Sum(), s.WriteHoldNanoseconds.Count);
        Assert.True(s.ContendedReadAcquisitions <= s.ReadAcquisitions);
        Assert.True(s.ContendedWriteAcquisitions <= s.WriteAcquisitions);
        Assert.Equal(s.ReadAcquisitions, s.ReadWaitNanoseconds.Count);
        Assert.Equal(s.WriteAcquisitions, s.WriteWaitNanoseconds.Count);
    }

    [Fact]
    public void KillsDuringContentionKeepTheLockConsistent()
    {
        const int writerThreads = 3;
        const int readerThreads = 2;
        const int minInterrupts = 20;
        int minOps = 2_000 * TestThreads.StressFactor;
        var l = new MmapLock();
        var shared = new Shared();
        var signals = new FatalSignal[writerThreads + readerThreads];
        for (int i = 0; i < signals.Length; i++)
        {
            signals[i] = new FatalSignal();
        }

        var successes = new long[signals.Length];
        var interrupts = new long[signals.Length];
        long totalInterrupts = 0;
        bool stop = false;
        var tasks = new List<Task>();

        for (int i = 0; i < signals.Length; i++)
        {
            int me = i;
            bool writer = i < writerThreads;
            tasks.Add(TestThreads.Start(() =>
            {
                while (!Volatile.Read(ref stop))
                {
                    int result = writer
                        ? l.AcquireWriteKillable(signals[me], out long token)
                        : l.AcquireReadKillable(signals[me], out token);
                    if (result != 0)
                    {
                        Assert.Equal(-Errno.EINTR, result);
                        Assert.Equal(0, token);
                        interrupts[me]++;
                        Interlocked.Increment(ref totalInterrupts);
                        signals[me].Clear();
                        continue;
                    }

                    if (writer)
                    {
                        shared.WriteSection();
                        l.ReleaseWrite(token);
                    }
                    else
                    {
                        shared.ReadSection();
                        l.ReleaseRead(token);
                    }

                    Volatile.Write(ref successes[me], successes[me] + 1);
                }
            }));
        }

        // The killer: raise a random task's signal now and then until enough kills have landed.
        Task killer = TestThreads.Start(() =>
        {
            var rng = new Random(12345);
            while (!Volatile.Read(ref stop))
            {
                signals[rng.Next(signals.Length)].Raise();
                Thread.Sleep(rng.Next(2));
            }
        });

        TestThreads.WaitUntil(
            () => Volatile.Read(ref totalInterrupts) >= minInterrupts && AllAtLeast(successes, minOps),
            "every worker making progress while being killed");
        Volatile.Write(ref stop, true);
        TestThreads.Join(killer, "the killer");
        foreach (Task t in tasks)
        {
            TestThreads.Join(t, "a worker");
        }

        Assert.True(shared.Violations == 0, shared.FirstViolation);
        AssertIdle(l);
        MmapLockStatistics s = l.GetStatistics();
        output.WriteLine($"interrupts {totalInterrupts}; {s}");
        Assert.Equal(successes.Take(writerThreads).Sum(), s.WriteAcquisitions);
        Assert.Equal(successes.Skip(writerThreads).Sum(), s.ReadAcquisitions);
        Assert.Equal(interrupts.Take(writerThreads).Sum(), s.InterruptedWriteAcquisitions);
        Assert.Equal(interrupts.Skip(writerThreads).Sum(), s.InterruptedReadAcquisitions);
        Assert.All(signals, sig => Assert.Equal(0, sig.RegisteredWaiterCount));
    }

    [Fact]
    public void KillRacingWithGrantEitherHoldsTheLockOrNothing()
    {
        int rounds = 300 * TestThreads.StressFactor;
        var l = new MmapLock();
        int granted = 0;
        int killed = 0;
        for (int round = 0; round < rounds; round++)
        {
            var signal = new FatalSignal();
            long r = l.AcquireRead();
            using var release = new ManualResetEventSlim();
            Task<int> writer = TestThreads.Start(() =>
            {
                int result = l.AcquireWriteKillable(signal, out long token);
                if (result == 0)
                {
                    // It holds the lock exclusively whatever the signal says.
                    l.AssertWriteLocked();
                    Assert.Equal(0, l.ReaderCount);
                    release.Wait();
                    l.ReleaseWrite(token);
                }

                return result;
            });
            TestThreads.WaitUntil(() => l.QueuedWaiterCount == 1 && signal.RegisteredWaiterCount == 1, "the writer sleeping");

            // Release (which grants the writer) and kill at the same moment.
            Task killer = TestThreads.Start(signal.Raise);
            l.ReleaseRead(r);
            TestThreads.Join(killer, "the killer");
            release.Set();
            int outcome = TestThreads.Join(writer, "the writer");
            if (outcome == 0)
            {
                granted++;
            }
            else
            {
                Assert.Equal(-Errno.EINTR, outcome);
                killed++;
            }

            AssertIdle(l);
        }

        output.WriteLine($"granted {granted}, killed {killed}");
        MmapLockStatistics s = l.GetStatistics();
        Assert.Equal(granted, s.WriteAcquisitions);
        Assert.Equal(killed, s.InterruptedWriteAcquisitions);
    }

    [Fact]
    public void WriterIsNotStarvedByAStreamOfReaders()
    {
        const int readerThreads = 3;
        var l = new MmapLock();
        var progress = new long[readerThreads];
        bool stop = false;
        var readers = new Task[readerThreads];
        for (int i = 0; i < readerThreads; i++)
        {
            int me = i;
            readers[i] = TestThreads.Start(() =>
            {
                while (!Volatile.Read(ref stop))
                {
                    long t = l.AcquireRead();
                    Thread.SpinWait(50);
                    l.ReleaseRead(t);
                    Volatile.Write(ref progress[me], progress[me] + 1);
                }
            });
        }

        TestThreads.WaitUntil(() => AllAtLeast(progress, 101), "the readers running");
        for (int round = 0; round < 20 * TestThreads.StressFactor; round++)
        {
            // With readers overlapping all the time the lock is rarely free; a writer still gets in.
            Task writer = TestThreads.Start(() => l.ReleaseWrite(l.AcquireWrite()));
            TestThreads.Join(writer, "a writer among continuous readers");
        }

        long[] before = (long[])progress.Clone();
        TestThreads.WaitUntil(() => Enumerable.Range(0, readerThreads).All(i => Volatile.Read(ref progress[i]) > before[i]), "the readers continuing after the writers");
        Volatile.Write(ref stop, true);
        foreach (Task t in readers)
        {
            TestThreads.Join(t, "a reader");
        }

        AssertIdle(l);
        Assert.Equal(20 * TestThreads.StressFactor, l.GetStatistics().WriteAcquisitions);
    }

    /// <summary>Whether every counter (written by other threads) has reached <paramref name="min"/>.</summary>
    private static bool AllAtLeast(long[] counters, long min)
    {
        for (int i = 0; i < counters.Length; i++)
        {
            if (Volatile.Read(ref counters[i]) < min)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The lock is free, nobody waits, and the waiters bit agrees.</summary>
    private static void AssertIdle(MmapLock l)
    {
        Assert.Equal(0, l.ReaderCount);
        Assert.False(l.IsWriteLocked);
        Assert.Equal(0, l.QueuedWaiterCount);
        Assert.False(l.HasWaitersBit);
    }
}
