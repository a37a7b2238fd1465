using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;

namespace Madvise.Kernel.Tests.Fuzzing;

/// <summary>
/// One run of the multi-threaded syscall fuzzer: a simulated kernel whose configuration comes
/// from the seed (profile, RAM, swap, THP mode, memory failure), a few processes, and worker
/// threads that make random system calls with random and extreme arguments on random processes
/// — while other workers fork them, exit or kill them, close their files and reclaim memory.
/// </summary>
/// <remarks>
/// <para>What fails a run: an exception out of a system call or a user-memory access (an entry
/// point must return -errno), a kernel oops, a result outside what the call can return (an
/// mmap address that is not page-aligned below the user limit, or not the fixed address asked
/// for; an errno that is not one; more bytes than asked), a kernel lock still held by a worker
/// after a call (<see cref="Lockdep"/>), a lock-order violation, a call that does not return
/// within <see cref="TestThreads.HangGuard"/>; and, after the workers stop, a broken invariant of
/// an address space, a frame whose counts disagree with the page tables (<see cref="FrameAudit"/>),
/// an mmap_lock left held, or any frame, page table or swap slot still in use once every process
/// has exited.</para>
/// <para>Replay: the seed fixes the configuration and every worker's stream of calls; with one
/// worker (MADV_SYSFUZZ_THREADS=1) the run is the same call for call.</para>
/// </remarks>
internal sealed class SyscallFuzzer
{
    private const ulong Page = 4096;

    /// <summary>Where each process keeps the iovec arrays it passes to process_madvise.</summary>
    private const ulong Scratch = FuzzArgs.Arena - (1UL << 20);

    private const int ScratchPages = 4;

    /// <summary>Processes alive at most at once (fork is refused above it, exit below 2).</summary>
    private const int MaxTasks = 8;

    private static readonly (FuzzOp Op, int Weight)[] Weights =
    [
        (FuzzOp.Mmap, 140), (FuzzOp.Munmap, 70), (FuzzOp.Mprotect, 70), (FuzzOp.Madvise, 230), (FuzzOp.ProcessMadvise, 90),
        (FuzzOp.Mincore, 50), (FuzzOp.Mlock, 25), (FuzzOp.Munlock, 25), (FuzzOp.ReadUser, 50), (FuzzOp.WriteUser, 40),
        (FuzzOp.FillUser, 40), (FuzzOp.ReadRemote, 15), (FuzzOp.FillRemote, 15), (FuzzOp.Fork, 12), (FuzzOp.Exit, 8),
        (FuzzOp.Kill, 3), (FuzzOp.CreateFile, 20), (FuzzOp.Close, 20), (FuzzOp.Reopen, 5), (FuzzOp.PidfdOpen, 20),
        (FuzzOp.SetUid, 1), (FuzzOp.DropCapability, 1), (FuzzOp.Reclaim, 10),
    ];

    private static readonly int TotalWeight = Weights.Sum(w => w.Weight);

    private static readonly HashSet<long> Errnos = [.. typeof(Errno).GetFields().Where(f => f.IsLiteral).Select(f => Convert.ToInt64(f.GetRawConstantValue(), CultureInfo.InvariantCulture))];

    /// <summary>Protects <see cref="_live"/>, <see cref="_dead"/> and <see cref="_all"/> (a test-side lock: no kernel lock is taken under it).</summary>
    private readonly Lock _world = new();

    private readonly List<FuzzTask> _live = [];
    private readonly List<FuzzTask> _dead = [];
    private readonly List<FuzzTask> _all = [];
    private readonly long _calls;
    private readonly Worker[] _workers;
    private long _issued;
    private volatile bool _stop;
    private string? _failure;

    public SyscallFuzzer(long seed, int threads, long calls)
    {
        Seed = seed;
        _calls = calls;
        var r = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        Config = KernelConfig.Default with
        {
            Profile = (KernelProfile)r.Next(4),
            MemoryBytes = (ulong)(r.Next(4) == 0 ? r.Next(64, 129) : r.Next(8, 33)) << 21,
            SwapBytes = r.Next(3) == 0 ? 0 : (ulong)r.Next(2, 17) << 21,
            Thp = (TransparentHugepageMode)r.Next(3),
            MemoryFailure = r.Next(2) == 0,
            Ksm = r.Next(4) != 0,
        };
        _workers = new Worker[threads];
        for (var i = 0; i < threads; i++)
        {
            _workers[i] = new Worker(i, new Random(unchecked((int)(seed * 31) + i + 1)));
        }
    }

    public long Seed { get; }

    public KernelConfig Config { get; }

    /// <summary>Runs the fuzzer and audits the kernel; throws <see cref="SyscallFuzzException"/> with the seed and the calls involved on any failure.</summary>
    public FuzzStatistics Run()
    {
        var clock = Stopwatch.StartNew();
        var kernel = new SimulatedKernel(Config);
        try
        {
            Kernel = kernel;
            for (var i = 0; i < 3; i++)
            {
                AddTask(i == 2 ? kernel.CreateProcess(new Credentials(1000, 1000, 0)) : kernel.CreateProcess(), null);
            }

            foreach (var w in _workers)
            {
                w.Thread = new Thread(() => WorkerLoop(w)) { IsBackground = true, Name = $"sysfuzz {w.Index}" };
                w.Thread.Start();
            }

            WaitForWorkers();
            if (_failure is not null)
            {
                throw Fail(_failure);
            }

            Audit(kernel);
            var ops = Enum.GetValues<FuzzOp>();
            var stats = new FuzzStatistics(
                _workers.Sum(w => w.Calls),
                _workers.Sum(w => w.Errors),
                _all.Count,
                clock.Elapsed,
                ops.ToDictionary(op => op, op => (_workers.Sum(w => w.ByOp[(int)op]), _workers.Sum(w => w.ErrorsByOp[(int)op]))));
            kernel.Dispose();
            return stats;
        }
        catch (SyscallFuzzException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw Fail($"the audit after the run failed: {ex}");
        }
    }

    private SimulatedKernel Kernel { get; set; } = null!;

    private SyscallFuzzException Fail(string what) =>
        new(string.Create(CultureInfo.InvariantCulture, $"syscall fuzzer, seed {Seed} ({Config.Profile}, RAM {Config.MemoryBytes >> 20} MiB, swap {Config.SwapBytes >> 20} MiB, THP {Config.Thp}, memory failure {Config.MemoryFailure}, KSM {Config.Ksm}, {_workers.Length} workers): {what}\nreplay: MADV_SYSFUZZ_SEED={Seed} (with MADV_SYSFUZZ_THREADS=1 for the same order of calls)"));

    private void AddTask(TaskStruct task, FuzzTask? parent)
    {
        var t = new FuzzTask(task);
        if (parent is not null)
        {
            t.InheritFrom(parent);
        }
        else
        {
            Sys.Mmap(task, Scratch, ScratchPages * Page, 3, (ulong)(MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED), -1, 0);
        }

        using (_world.EnterScope())
        {
            _live.Add(t);
            _all.Add(t);
        }
    }

    private FuzzTask? Pick(Random r)
    {
        using (_world.EnterScope())
        {
            // Now and then a dead one: every call of an exited task must fail cleanly.
            if (_dead.Count > 0 && (r.Next(40) == 0 || _live.Count == 0))
            {
                return _dead[r.Next(_dead.Count)];
            }

            return _live.Count == 0 ? null : _live[r.Next(_live.Count)];
        }
    }

    private void WaitForWorkers()
    {
        var guard = TestThreads.HangGuard;
        while (true)
        {
            if (_workers.All(w => w.Thread!.Join(100)))
            {
                return;
            }

            var now = Stopwatch.GetTimestamp();
            foreach (var w in _workers)
            {
                var started = Volatile.Read(ref w.CallStarted);
                if (started != 0 && Stopwatch.GetElapsedTime(started, now) > guard)
                {
                    _stop = true;
                    throw Fail($"worker {w.Index} did not return from a call within {guard.TotalSeconds:0} s (a hang):\n{Describe()}");
                }
            }
        }
    }

    /// <summary>Every worker's recent calls, the current one last, and the state of every address space's mmap_lock.</summary>
    private string Describe()
    {
        var text = new StringBuilder();
        foreach (var w in _workers)
        {
            text.Append(CultureInfo.InvariantCulture, $"worker {w.Index} ({w.Calls} calls):\n");
            foreach (var call in w.Recent())
            {
                text.Append("  ").Append(call).Append('\n');
            }

            if (Volatile.Read(ref w.CallStarted) != 0 && w.Mm is { } mm)
            {
                text.Append(CultureInfo.InvariantCulture, $"  the running call's address space (task {w.Current.Pid}):\n");
                if (mm.MmapLock.TryAcquireRead(out var token))
                {
                    try
                    {
                        var shown = 0;
                        foreach (var v in mm.Vmas)
                        {
                            if (++shown > 48)
                            {
                                break;
                            }

                            text.Append(CultureInfo.InvariantCulture, $"    {v.Start:x}-{v.End:x} {v.Flags} pgoff 0x{v.PgOff:x}{(v.File is { } f ? $" inode {f.Inode.Ino} of {f.Inode.PageCount} pages" : string.Empty)}\n");
                        }
                    }
                    finally
                    {
                        mm.MmapLock.ReleaseRead(token);
                    }
                }
                else
                {
                    text.Append("    (its mmap_lock is taken)\n");
                }
            }
        }

        FuzzTask[] all;
        using (_world.EnterScope())
        {
            all = [.. _all];
        }

        foreach (var t in all)
        {
            if (t.Task.Mm is { } mm)
            {
                text.Append(CultureInfo.InvariantCulture, $"task {t.Task.Pid}: mmap_lock readers {mm.MmapLock.ReaderCount}, write-locked {mm.MmapLock.IsWriteLocked}, waiters {mm.MmapLock.QueuedWaiterCount}\n");
            }
        }

        return text.ToString();
    }

    private void WorkerLoop(Worker w)
    {
        try
        {
            while (!_stop && Interlocked.Increment(ref _issued) <= _calls)
            {
                var task = Pick(w.Rng);
                if (task is null)
                {
                    AddTask(Kernel.CreateProcess(), null);
                    continue;
                }

                ref var call = ref w.Begin(Choose(w.Rng), task.Task.Pid);
                w.Mm = task.Task.Mm;
                Volatile.Write(ref w.CallStarted, Stopwatch.GetTimestamp());
                var result = Execute(w, task, ref call);
                call.Result = result;
                Volatile.Write(ref w.CallStarted, 0);
                w.Calls++;
                w.ByOp[(int)call.Op]++;
                if (result < 0)
                {
                    w.Errors++;
                    w.ErrorsByOp[(int)call.Op]++;
                }

                var problem = Check(ref call);
                if (problem is null && Lockdep.HeldByCurrentThread != 0)
                {
                    problem = $"the call returned holding {Lockdep.HeldByCurrentThread} kernel locks";
                }

                if (problem is null && Kernel.OopsCount != 0)
                {
                    problem = $"kernel oops: {Kernel.Oopses[0]}";
                }

                if (problem is not null)
                {
                    Report(w, problem);
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            Report(w, $"exception out of the kernel: {ex}");
        }
    }

    private void Report(Worker w, string problem)
    {
        _stop = true;
        Interlocked.CompareExchange(ref _failure, $"worker {w.Index}, call {w.Current}: {problem}\n{Describe()}", null);
    }

    private static FuzzOp Choose(Random r)
    {
        var x = r.Next(TotalWeight);
        foreach (var (op, weight) in Weights)
        {
            if ((x -= weight) < 0)
            {
                return op;
            }
        }

        return FuzzOp.Madvise;
    }

    /// <summary>What is wrong with a finished call's result, or null.</summary>
    private static string? Check(ref FuzzCall call)
    {
        var r = call.Result;
        switch (call.Op)
        {
            case FuzzOp.Mmap:
                if (r is >= -4095 and <= -1)
                {
                    return null;
                }

                if ((ulong)r >= 0x7fff_ffff_f000 || (ulong)r % Page != 0)
                {
                    return "mmap returned neither an error nor a page-aligned user address";
                }

                var fixedNoReplace = (call.D & MapFlags.MAP_FIXED_NOREPLACE) != 0;
                return ((call.D & MapFlags.MAP_FIXED) != 0 || fixedNoReplace) && (ulong)r != call.A
                    ? "a fixed mmap succeeded at another address" : null;
            case FuzzOp.ReadUser or FuzzOp.WriteUser or FuzzOp.FillUser or FuzzOp.ReadRemote or FuzzOp.FillRemote:
                return r == long.MinValue + 1 || (r >= 0 && (ulong)r <= call.B) ? null : "the access did more than asked, or failed with an error";
            case FuzzOp.Fork or FuzzOp.Exit or FuzzOp.Kill or FuzzOp.SetUid or FuzzOp.DropCapability or FuzzOp.Reclaim:
                return r >= 0 || Errnos.Contains(-r) ? null : "not an errno";
            default:
                return r >= 0 || Errnos.Contains(-r) ? null : $"{-r} is not an errno";
        }
    }

    /// <summary>Runs one call; its arguments go into <paramref name="call"/> first, so a hang or an exception shows them.</summary>
    private long Execute(Worker w, FuzzTask ft, ref FuzzCall call)
    {
        var r = w.Rng;
        var task = ft.Task;
        switch (call.Op)
        {
            case FuzzOp.Mmap:
            {
                var file = r.Next(3) == 0;
                call.D = FuzzArgs.MapFlagsFor(r, file);
                call.A = (call.D & (MapFlags.MAP_FIXED | MapFlags.MAP_FIXED_NOREPLACE)) != 0 || r.Next(4) == 0 ? FuzzArgs.Address(r, ft) : 0;
                call.B = FuzzArgs.Length(r);
                call.C = FuzzArgs.Prot(r);
                call.E = file ? FuzzArgs.Fd(r) : -1;
                call.F = file ? FuzzArgs.Offset(r) : 0;
                var result = Sys.Mmap(task, call.A, call.B, call.C, call.D, call.E, call.F);
                if (result > 0)
                {
                    ft.Mapped((ulong)result, call.B);
                }

                return result;
            }

            case FuzzOp.Munmap:
                (call.A, call.B) = FuzzArgs.Range(r, ft);
                return Sys.Munmap(task, call.A, call.B);
            case FuzzOp.Mprotect:
                (call.A, call.B) = FuzzArgs.Range(r, ft);
                call.C = FuzzArgs.Prot(r);
                return Sys.Mprotect(task, call.A, call.B, call.C);
            case FuzzOp.Madvise:
                (call.A, call.B) = FuzzArgs.Range(r, ft);
                call.E = FuzzArgs.Advice(r);
                return Sys.Madvise(task, call.A, call.B, call.E);
            case FuzzOp.ProcessMadvise:
                return ProcessMadvise(w, ft, ref call);
            case FuzzOp.Mincore:
                (call.A, call.B) = FuzzArgs.Range(r, ft);
                call.C = (ulong)r.Next(w.Vector.Length + 1);
                return Sys.Mincore(task, call.A, call.B, w.Vector.AsSpan(0, (int)call.C));
            case FuzzOp.Mlock:
                (call.A, call.B) = FuzzArgs.Range(r, ft);
                return Sys.Mlock(task, call.A, call.B);
            case FuzzOp.Munlock:
                (call.A, call.B) = FuzzArgs.Range(r, ft);
                return Sys.Munlock(task, call.A, call.B);
            case FuzzOp.ReadUser or FuzzOp.WriteUser or FuzzOp.FillUser:
                return UserAccess(w, ft, ref call, task);
            case FuzzOp.ReadRemote or FuzzOp.FillRemote:
            {
                var target = Pick(r) ?? ft;
                call.E = target.Task.Pid;
                return UserAccess(w, target, ref call, target.Task);
            }

            case FuzzOp.Fork:
            {
                using (_world.EnterScope())
                {
                    if (_live.Count >= MaxTasks)
                    {
                        return 0;
                    }
                }

                var error = Sys.Fork(task, out var child);
                if (child is not null)
                {
                    AddTask(child, ft);
                    return child.Pid;
                }

                return error;
            }

            case FuzzOp.Exit or FuzzOp.Kill:
            {
                using (_world.EnterScope())
                {
                    if (_live.Count <= 2 || !_live.Remove(ft))
                    {
                        return 0;
                    }

                    _dead.Add(ft);
                    if (_dead.Count > 64)
                    {
                        _dead.RemoveAt(0);
                    }
                }

                if (call.Op == FuzzOp.Kill)
                {
                    task.Kill();
                }
                else
                {
                    task.Exit();
                }

                return 0;
            }

            case FuzzOp.CreateFile:
                call.A = r.Next(8) == 0 ? FuzzArgs.Length(r) : (ulong)r.Next(0, 64) * Page + (ulong)(r.Next(4) == 0 ? r.Next(1, (int)Page) : 0);
                call.B = (ulong)r.Next(2);
                return Sys.CreateFile(task, call.A, (byte)r.Next(256), memfd: call.B != 0);
            case FuzzOp.Close:
                call.E = FuzzArgs.Fd(r);
                return Sys.Close(task, call.E);
            case FuzzOp.Reopen:
                call.E = FuzzArgs.Fd(r);
                call.A = (ulong)r.Next(2);
                call.B = (ulong)r.Next(2);
                return Sys.ReopenFile(task, call.E, call.A != 0, call.B != 0);
            case FuzzOp.PidfdOpen:
            {
                var other = Pick(r);
                call.E = r.Next(8) switch
                {
                    0 => (long)FuzzArgs.Any(r),
                    1 => r.Next(-2, 3),
                    _ => other?.Task.Pid ?? 1,
                };
                call.A = r.Next(6) switch
                {
                    0 => PidfdConstants.PIDFD_NONBLOCK,
                    1 => PidfdConstants.PIDFD_THREAD,
                    2 => FuzzArgs.Any(r),
                    _ => 0,
                };
                return Sys.PidfdOpen(task, call.E, call.A);
            }

            case FuzzOp.SetUid:
                call.A = r.Next(2) == 0 ? 0u : 1000u;
                return task.SetUid((uint)call.A);
            case FuzzOp.DropCapability:
                call.A = (ulong)r.Next((int)Capability.CAP_CHECKPOINT_RESTORE + 1);
                task.DropCapability((Capability)call.A);
                return 0;
            case FuzzOp.Reclaim:
                call.A = (ulong)r.Next(1, 512);
                return Kernel.Reclaim((long)call.A);
            default:
                return 0;
        }
    }

    /// <summary>process_madvise with an iovec array in the task's scratch page (or at any address), a pidfd or a sentinel.</summary>
    private long ProcessMadvise(Worker w, FuzzTask ft, ref FuzzCall call)
    {
        var r = w.Rng;
        var task = ft.Task;
        call.A = r.Next(6) switch
        {
            < 2 => unchecked((ulong)PidfdConstants.PIDFD_SELF_THREAD_GROUP),
            2 => unchecked((ulong)PidfdConstants.PIDFD_SELF_THREAD),
            _ => unchecked((ulong)FuzzArgs.Fd(r)),
        };
        call.C = FuzzArgs.Vlen(r);
        call.E = FuzzArgs.Advice(r);
        call.D = r.Next(20) == 0 ? FuzzArgs.Any(r) : 0;
        call.B = r.Next(6) == 0 ? FuzzArgs.Address(r, ft) : Scratch + (ulong)(r.Next(8) == 0 ? r.Next(1, 16) : 0);
        var entries = (int)Math.Min(call.C, (ulong)w.Iovecs.Length);
        for (var i = 0; i < entries; i++)
        {
            var (start, length) = FuzzArgs.Range(r, ft);
            w.Iovecs[i] = new IoVec(start, r.Next(8) == 0 ? (ulong)r.Next(0, 9) * Page : length);
        }

        if (task.GetMm() is { } mm)
        {
            try
            {
                call.F = (ulong)mm.WriteUser(call.B, MemoryMarshal.AsBytes(w.Iovecs.AsSpan(0, entries))) / IoVec.Size;
            }
            finally
            {
                mm.Put();
            }
        }

        return Sys.ProcessMadvise(task, (long)call.A, call.B, call.C, call.E, call.D);
    }

    /// <summary>A load, store or memset by the task, or process_vm_readv/writev on it; long.MinValue + 1 when it has no address space.</summary>
    private static long UserAccess(Worker w, FuzzTask ft, ref FuzzCall call, TaskStruct task)
    {
        var r = w.Rng;
        (call.A, call.B) = FuzzArgs.Range(r, ft);
        var bounded = call.Op is FuzzOp.ReadUser or FuzzOp.WriteUser or FuzzOp.ReadRemote;
        if (bounded || r.Next(2) == 0)
        {
            call.B = bounded ? (ulong)FuzzArgs.BufferLength(r, w.Buffer.Length) : (ulong)r.Next(1, 65) * Page;
        }
        call.C = (ulong)r.Next(256);
        if (task.GetMm() is not { } mm)
        {
            return long.MinValue + 1;
        }

        try
        {
            var buffer = w.Buffer.AsSpan(0, (int)Math.Min(call.B, (ulong)w.Buffer.Length));
            return call.Op switch
            {
                FuzzOp.ReadUser => mm.ReadUser(call.A, buffer),
                FuzzOp.WriteUser => mm.WriteUser(call.A, buffer),
                FuzzOp.ReadRemote => mm.ReadRemote(call.A, buffer),
                FuzzOp.FillRemote => mm.FillRemote(call.A, call.B, (byte)call.C),
                _ => mm.FillUser(call.A, call.B, (byte)call.C),
            };
        }
        finally
        {
            mm.Put();
        }
    }

    /// <summary>After the workers stopped: no oops, locks free, invariants and frames right; then everything goes and nothing stays.</summary>
    private void Audit(SimulatedKernel kernel)
    {
        if (kernel.OopsCount != 0)
        {
            throw Fail($"kernel oops: {kernel.Oopses[0]}");
        }

        var live = _live.Where(t => t.Task.Mm is not null).ToArray();
        var mms = live.Select(t => t.Task.Mm!).ToArray();
        foreach (var mm in mms)
        {
            if (mm.MmapLock.ReaderCount != 0 || mm.MmapLock.IsWriteLocked)
            {
                throw Fail($"an mmap_lock is still held after the run (readers {mm.MmapLock.ReaderCount}, writer {mm.MmapLock.IsWriteLocked})");
            }

            mm.AssertInvariants();
        }

        FrameAudit.Assert(kernel, mms);

        foreach (var t in _all)
        {
            t.Task.Exit();
        }

        // Frames waiting in a CPU's folio batch are still referenced until a drain.
        kernel.LruBatches.DrainAll();
        var memory = kernel.Memory;
        long poisoned = 0;
        for (var pfn = 1; pfn < memory.CreatedFrames; pfn++)
        {
            poisoned += memory.Frame(pfn).Has(PageFlags.HwPoison) && !memory.Frame(pfn).Has(PageFlags.Free) ? 1 : 0;
        }

        if (memory.FramesInUse != poisoned || memory.PageTableFrames != 0 || (kernel.Swap?.UsedSlots ?? 0) != 0)
        {
            throw Fail($"after every process exited, {memory.FramesInUse} frames ({poisoned} of them poisoned, {memory.PageTableFrames} page tables) and {kernel.Swap?.UsedSlots ?? 0} swap slots are still in use:\n{Leaked(memory)}");
        }
    }

    /// <summary>The first frames still in use, with their state.</summary>
    private static string Leaked(PhysicalMemory memory)
    {
        var text = new StringBuilder();
        var shown = 0;
        for (var pfn = 1; pfn < memory.CreatedFrames && shown < 12; pfn++)
        {
            ref var f = ref memory.Frame(pfn);
            if ((f.Flags & (int)(PageFlags.Free | PageFlags.Reserved)) != 0)
            {
                continue;
            }

            shown++;
            var mapping = f.Mapping switch
            {
                null => "no mapping",
                Fs.PageCache cache => $"page cache of inode {cache.Inode.Ino} ({cache.Inode.MappingsSnapshot().Length} mappings)",
                var m => m.GetType().Name,
            };
            text.Append(CultureInfo.InvariantCulture, $"  frame {pfn}: {(PageFlags)f.Flags}, ref {f.RefCount}, map {f.MapCount}, mlock {f.MlockCount}, index 0x{f.Index:x}, swap slot {f.SwapSlot}, {mapping}\n");
        }

        return text.ToString();
    }

    /// <summary>A worker thread and its state.</summary>
    private sealed class Worker(int index, Random rng)
    {
        private const int RingSize = 24;

        private readonly FuzzCall[] _ring = new FuzzCall[RingSize];
        private int _next;

        public int Index { get; } = index;

        public Random Rng { get; } = rng;

        public Thread? Thread { get; set; }

        /// <summary>Stopwatch timestamp at which the current call started; 0 between calls.</summary>
        public long CallStarted;

        public long Calls;

        public long Errors;

        /// <summary>Calls and failed calls by <see cref="FuzzOp"/>.</summary>
        public long[] ByOp { get; } = new long[Enum.GetValues<FuzzOp>().Length];

        public long[] ErrorsByOp { get; } = new long[Enum.GetValues<FuzzOp>().Length];

        /// <summary>The address space of the current call's task when it started (for the hang report).</summary>
        public MmStruct? Mm;

        public byte[] Buffer { get; } = new byte[64 * 1024];

        public byte[] Vector { get; } = new byte[8192];

        public IoVec[] Iovecs { get; } = new IoVec[64];

        /// <summary>The call being made (or the last one).</summary>
        public FuzzCall Current => _ring[(_next + RingSize - 1) % RingSize];

        /// <summary>Starts a call: its slot in the ring, arguments cleared, result "running".</summary>
        public ref FuzzCall Begin(FuzzOp op, int pid)
        {
            ref var call = ref _ring[_next];
            _next = (_next + 1) % RingSize;
            call = new FuzzCall { Op = op, Pid = pid, Result = long.MinValue };
            return ref call;
        }

        /// <summary>The recent calls, oldest first.</summary>
        public IEnumerable<FuzzCall> Recent()
        {
            for (var i = 0; i < RingSize; i++)
            {
                var call = _ring[(_next + i) % RingSize];
                if (call.Op != FuzzOp.None)
                {
                    yield return call;
                }
            }
        }
    }
}

/// <summary>What a fuzzer run did.</summary>
internal sealed record FuzzStatistics(long Calls, long Errors, int Tasks, TimeSpan Elapsed, Dictionary<FuzzOp, (long Calls, long Errors)> ByOp);

/// <summary>A fuzzer run found a bug: the message has the seed, the configuration and the calls.</summary>
internal sealed class SyscallFuzzException(string message) : Exception(message);
