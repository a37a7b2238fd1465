using Madvise.Abi;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;
using Xunit.Abstractions;
using static Madvise.Abi.MemoryAdvice;
using static Madvise.Kernel.Tests.Concurrency.StressMappings;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// The series' race path for real: process_madvise(MADV_GUARD_INSTALL) over a vector of ranges
/// while other threads of the process keep faulting pages back into them. A guard install pass
/// stops at the first populated entry, zaps the range and tries again; after three lost races
/// the range fails with -ERESTARTNOINTR, which process_madvise turns into "unlock, relock, retry
/// the range" (before the series: the range's whole madvise again), or into -EINTR — or the
/// bytes done so far — when the caller has a fatal signal pending.
/// </summary>
/// <remarks>
/// <code>
///   region:  [ range 0 (1024 pages) ] g [ range 1 ] g [ range 2 ] g [ range 3 ] g    g = gap page, never advised
///   writers: store to the top 32 pages of every range, over and over
/// </code>
/// A range spans at least two PTE tables and the writers work at its top: while the install
/// pass walks (and holds the lock of) a lower table after a zap, the writers re-populate the
/// top table under its own lock, so the pass keeps finding a populated page before it gets
/// there. Attempts repeat — guards removed, writers back at work — until the retry (or the
/// interruption) has been seen; every attempt checks the result and the guards.
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class GuardRetryRaceTests(ITestOutputHelper output)
{
    /// <summary>Ranges in the vector.</summary>
    private const int Ranges = 4;

    /// <summary>Pages per range: 4 MiB, so every range spans at least two PTE tables.</summary>
    private const int RangePages = 1024;

    /// <summary>Pages at the top of each range the writers keep storing to.</summary>
    private const int HotPages = 32;

    /// <summary>Writer threads.</summary>
    private const int Writers = 2;

    /// <summary>Bytes of one range.</summary>
    private const long RangeBytes = RangePages * (long)PageSize.PAGE_SIZE;

    /// <summary>Bytes of the whole vector.</summary>
    private const long TotalBytes = Ranges * RangeBytes;

    /// <summary>Value of the gap pages, which nothing but the setup stores to.</summary>
    private const byte GapFill = 0x5A;

    /// <summary>
    /// The series' vector retry (BatchedLock) and the restart before it (PerRangeLock); with
    /// MADV_STRESS also BatchedTlb and PerVmaLock, which share BatchedLock's retry path. Each
    /// attempt needs the writers running on a core while the install runs, which a busy
    /// two-core machine makes slow: the quick run keeps to the two profiles the series compares.
    /// </summary>
    public static TheoryData<KernelProfile> Profiles => TestThreads.StressFactor > 1
        ? new(Enum.GetValues<KernelProfile>())
        : new(KernelProfile.PerRangeLock, KernelProfile.BatchedLock);

    [Theory]
    [MemberData(nameof(Profiles))]
    public void GuardInstallRetriesRacingFaultsAndGuardsEveryPage(KernelProfile profile)
    {
        using var kernel = new SimulatedKernel(new KernelConfig { Profile = profile, MemoryBytes = 64UL << 20 });
        var maxAttempts = 500 * TestThreads.StressFactor;
        var attempts = 0;
        long retries = 0;
        using (var rig = new Rig(kernel))
        {
            while (attempts < maxAttempts && (retries == 0 || (TestThreads.StressFactor > 1 && attempts < 20 * TestThreads.StressFactor)))
            {
                attempts++;
                var before = kernel.Stats.VectorRetries;
                var result = rig.Attempt(pendingSignal: false);

                // Every range completed, and every page of it is guarded, whatever the race did.
                Assert.Equal(TotalBytes, result);
                Assert.Equal(Ranges, rig.GuardedRanges());
                retries += kernel.Stats.VectorRetries - before;
            }

            output.WriteLine($"{profile}: {retries} retries in {attempts} attempts; writers stored {rig.Stores} times");
        }

        Assert.True(retries > 0, $"{profile}: no range was retried in {attempts} attempts");
        AssertAllMemoryBack(kernel, $"{profile} after exit");
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void PendingFatalSignalEndsTheRetryWithEintrOrTheBytesDone(KernelProfile profile)
    {
        using var kernel = new SimulatedKernel(new KernelConfig { Profile = profile, MemoryBytes = 64UL << 20 });
        var maxAttempts = 500 * TestThreads.StressFactor;
        var attempts = 0;
        var interrupted = 0;
        using (var rig = new Rig(kernel))
        {
            while (attempts < maxAttempts && (interrupted == 0 || (TestThreads.StressFactor > 1 && attempts < 20 * TestThreads.StressFactor)))
            {
                attempts++;
                var before = kernel.Stats.VectorRetries;
                var result = rig.Attempt(pendingSignal: true);
                var guarded = rig.GuardedRanges();
                if (kernel.Stats.VectorRetries != before)
                {
                    Assert.Fail($"{profile}: a range was retried with a fatal signal pending (result {result})");
                }

                if (result == TotalBytes)
                {
                    // No range lost three races in a row: the signal never mattered.
                    Assert.Equal(Ranges, guarded);
                    continue;
                }

                // Interrupted at range k: -EINTR when k = 0, else the bytes of the k ranges before
                // it, which are fully guarded.
                interrupted++;
                if (result != -Errno.EINTR)
                {
                    Assert.True(result > 0 && result % RangeBytes == 0 && result < TotalBytes, $"{profile}: result {result}");
                    Assert.True(guarded >= result / RangeBytes, $"{profile}: {result} bytes done but only {guarded} ranges guarded");
                }
            }

            output.WriteLine($"{profile}: {interrupted} interrupted calls in {attempts} attempts; writers stored {rig.Stores} times");
        }

        Assert.True(interrupted > 0, $"{profile}: no call was interrupted in {attempts} attempts");
        AssertAllMemoryBack(kernel, $"{profile} after exit");
    }

    /// <summary>
    /// A process with the vector's ranges, its iovec page, and writer threads that keep storing
    /// to the top pages of every range that is not guarded. Disposing stops the writers, checks
    /// the invariants and exits the process.
    /// </summary>
    private sealed class Rig : IDisposable
    {
        /// <summary>The ranges (also stored at <see cref="_vec"/>).</summary>
        private readonly IoVec[] _iovecs = new IoVec[Ranges];

        /// <summary>Address of the iovec array in the process.</summary>
        private readonly ulong _vec;

        /// <summary>The writer threads.</summary>
        private readonly Task[] _writers = new Task[Writers];

        /// <summary>Successful stores per writer (each written by its writer only).</summary>
        private readonly long[] _stores = new long[Writers];

        /// <summary>The attempt each writer has stored in since the guards were last removed.</summary>
        private readonly int[] _storedIn = new int[Writers];

        /// <summary>Current attempt; a writer that sees it change forgets which pages it found guarded.</summary>
        private int _attempt;

        /// <summary>Set to end the writers.</summary>
        private volatile bool _stop;

        public Rig(SimulatedKernel kernel)
        {
            Task = kernel.CreateProcess();
            var mm = Task.Mm!;
            const ulong stride = RangePages + 1;
            var region = MapAnon(Task, Ranges * stride);
            _vec = MapAnon(Task, 1);
            for (var i = 0; i < Ranges; i++)
            {
                _iovecs[i] = new IoVec(region + ((ulong)i * stride * Page), (ulong)RangeBytes);
                Assert.Equal((long)Page, mm.FillUser(_iovecs[i].Base + _iovecs[i].Len, Page, GapFill));
            }

            WriteIovecs(Task, _vec, _iovecs);
            for (var t = 0; t < Writers; t++)
            {
                var me = t;
                _writers[t] = TestThreads.Start(() => Write(me));
            }
        }

        /// <summary>The process.</summary>
        public TaskStruct Task { get; }

        /// <summary>Successful stores of all writers so far.</summary>
        public long Stores => _stores.Sum();

        /// <summary>
        /// Removes every guard, waits until every writer has stored again, then installs guards
        /// over the vector — with a fatal signal pending if asked (cleared afterwards).
        /// </summary>
        /// <returns>process_madvise's result.</returns>
        public long Attempt(bool pendingSignal)
        {
            foreach (var iov in _iovecs)
            {
                Assert.Equal(0, Sys.Madvise(Task, iov.Base, iov.Len, MADV_GUARD_REMOVE));
            }

            var attempt = Interlocked.Increment(ref _attempt);
            TestThreads.WaitUntil(
                () =>
                {
                    for (var t = 0; t < Writers; t++)
                    {
                        if (Volatile.Read(ref _storedIn[t]) != attempt)
                        {
                            return false;
                        }
                    }

                    return true;
                },
                "every writer storing after the guards were removed");
            if (pendingSignal)
            {
                Task.FatalSignal.Raise();
            }

            var result = ProcessMadviseSelf(Task, _vec, Ranges, MADV_GUARD_INSTALL);
            Task.FatalSignal.Clear();
            return result;
        }

        /// <summary>
        /// How many ranges, from the first on, have a guard marker in every page (a load there
        /// faults); also checks that the gap pages kept their bytes.
        /// </summary>
        public int GuardedRanges()
        {
            var mm = Task.Mm!;
            var guarded = 0;
            Span<byte> probe = stackalloc byte[1];
            for (var i = 0; i < Ranges; i++)
            {
                var all = true;
                for (var addr = _iovecs[i].Base; addr < _iovecs[i].Base + _iovecs[i].Len; addr += Page)
                {
                    all &= mm.PageTable.ReadPte(addr).IsGuard && mm.ReadUser(addr, probe) == 0;
                }

                guarded += all && guarded == i ? 1 : 0;
                Assert.Equal(1, mm.ReadUser(_iovecs[i].Base + _iovecs[i].Len, probe));
                Assert.Equal(GapFill, probe[0]);
            }

            return guarded;
        }

        public void Dispose()
        {
            _stop = true;
            foreach (var w in _writers)
            {
                TestThreads.Join(w, "a writer");
            }

            Task.Mm!.AssertInvariants();
            Task.Exit();
        }

        /// <summary>Writer <paramref name="me"/>: stores one byte to each of its hot pages of every range, over and over.</summary>
        private void Write(int me)
        {
            var mm = Task.Mm!;
            Span<byte> one = [(byte)(me + 1)];

            // A store that faulted met a guard marker, which stays until the next attempt
            // removes it: skip that page until then.
            var guarded = new bool[Ranges * HotPages];
            var attempt = 0;
            while (!_stop)
            {
                var now = Volatile.Read(ref _attempt);
                if (now != attempt)
                {
                    Array.Clear(guarded);
                    attempt = now;
                }

                for (var i = 0; i < Ranges; i++)
                {
                    var top = _iovecs[i].Base + _iovecs[i].Len - Page;
                    for (var k = me; k < HotPages; k += Writers)
                    {
                        var slot = (i * HotPages) + k;
                        if (guarded[slot])
                        {
                            continue;
                        }

                        if (mm.WriteUser(top - ((ulong)k * Page), one) == 1)
                        {
                            Volatile.Write(ref _stores[me], _stores[me] + 1);
                            Volatile.Write(ref _storedIn[me], attempt);
                        }
                        else
                        {
                            guarded[slot] = true;
                        }
                    }
                }
            }
        }
    }
}
