using System.Globalization;
using Madvise.Compaction.Planning;
using Madvise.Compaction.Sizing;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Compaction.Engine;

/// <summary>
/// Compacts one process: reads its mappings, plans (<see cref="CompactionPlanner"/>), then
/// advises the plan in process_madvise() vectors cut by a <see cref="IVectorSizer"/>, handling
/// errors as Android's compactor does, and reports what it gave.
/// </summary>
/// <remarks>
/// <para>Error policy (Android: madviseVmasFromBatch()): EINVAL with no progress skips what is
/// left of the mapping the vector starts in (a VM_LOCKED, VM_PFNMAP or hugetlb mapping; Android's
/// first iovec is that whole remainder, ours may be a slice of it); a short count skips one page
/// past where the kernel stopped and goes on; ESRCH ends it as "target exited" with what was done
/// reported; any other error stops it. One deliberate difference: ENOMEM with no progress is
/// skipped like EINVAL. It means the target unmapped the range since its maps were read; Android
/// stops the whole compaction there, which a target that maps and unmaps while it is compacted
/// would trigger again and again.</para>
/// <para>Before a phase, an empty vector (vlen 0) checks access without touching memory — the
/// kernel does every check (pidfd, PTRACE_MODE_READ, advice, CAP_SYS_NICE) and takes and drops
/// the mmap_lock — so EPERM, EACCES, ENOSYS and an advice the kernel refuses are reported before
/// any range is advised; the cheapest of three such probes is the model's fixed cost per call.</para>
/// <para>Cancellation is checked between calls only: a call that started runs to its end (Android:
/// "we do not kill the currently running process_madvise").</para>
/// </remarks>
public sealed class CompactionEngine
{
    /// <summary>Empty-vector probes per phase; the cheapest sets the fixed cost per call.</summary>
    private const int Probes = 3;

    /// <summary>The target.</summary>
    private readonly ICompactionTarget _target;

    /// <summary>The options.</summary>
    private readonly CompactionOptions _options;

    /// <summary>The clocks.</summary>
    private readonly ICompactionClock _clock;

    /// <summary>Creates an engine for <paramref name="target"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public CompactionEngine(ICompactionTarget target, CompactionOptions options, ICompactionClock? clock = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _target = target;
        _options = options;
        _clock = clock ?? SystemCompactionClock.Instance;
    }

    /// <summary>Called after every call (on the compacting thread); for progress and tests.</summary>
    public Action<CallRecord>? CallCompleted { get; set; }

    /// <summary>
    /// Called on the compacting thread when the work begins — after the memory counters before it
    /// are read, right before the maps are — and when it ends, right after the last call and before
    /// the counters after it (a measurement's window: reading smaps_rollup holds the target's
    /// mmap_lock too, but is not what the budget bounds).
    /// </summary>
    public Action? WorkStarting { get; set; }

    /// <summary>See <see cref="WorkStarting"/>.</summary>
    public Action? WorkFinished { get; set; }

    /// <summary>The sizer of the last run (its cost models, for reports and tests).</summary>
    public IVectorSizer? Sizer { get; private set; }

    /// <summary>Runs the compaction on the calling thread.</summary>
    /// <param name="cancel">Checked between calls.</param>
    /// <returns>The result; errors the target answers are in it, never thrown.</returns>
    public CompactionResult Run(CancellationToken cancel = default)
    {
        var result = new CompactionResult(_target.Description, _target.Pid, _options);
        result.Before = _target.ReadRollup();
        result.SwapBefore = _target.ReadSwap();
        WorkStarting?.Invoke();
        var wall0 = _clock.WallNanoseconds();
        var cpu0 = _clock.ThreadCpuNanoseconds();
        var deadline = _options.Deadline is { } d ? wall0 + (long)(d.TotalMilliseconds * 1e6) : long.MaxValue;
        try
        {
            IReadOnlyList<TargetMapping> mappings;
            try
            {
                mappings = _target.ReadMappings();
            }
            catch (CompactionException ex)
            {
                Stop(result, ex.Errno == Errno.ESRCH ? CompactionOutcome.TargetExited : CompactionOutcome.Failed, ex.Errno, ex.Message);
                return result;
            }

            var plan = CompactionPlanner.Create(mappings, _options, _target.UserAddressLimit);
            result.Plan = plan;
            Sizer = CreateSizer();
            if (_options.DryRun)
            {
                result.PlannedCalls = CountCalls(plan, CreateSizer());
                result.Outcome = CompactionOutcome.DryRun;
            }
            else
            {
                Advise(plan, result, deadline, cancel);
            }
        }
        finally
        {
            result.CpuNanoseconds = _clock.ThreadCpuNanoseconds() - cpu0;
            result.WallNanoseconds = _clock.WallNanoseconds() - wall0;
            WorkFinished?.Invoke();
            if (!_options.DryRun)
            {
                result.After = _target.ReadRollup();
                result.SwapAfter = _target.ReadSwap();
            }
        }

        AddNotes(result);
        return result;
    }

    private IVectorSizer CreateSizer() => _options.Strategy == SizingStrategy.Fixed
        ? new FixedBatchSizer(_options.MaxRanges, _options.MaxBytes)
        : new BudgetSizer(_options.Budget.TotalMilliseconds * 1e6, _options.TargetFraction, _options.Prior, IoVec.UIO_MAXIOV, _options.MaxBytes);

    private void Advise(CompactionPlan plan, CompactionResult result, long deadline, CancellationToken cancel)
    {
        var sizer = Sizer!;
        var budgetNs = (long)(_options.Budget.TotalMilliseconds * 1e6);
        var vector = new IoVec[IoVec.UIO_MAXIOV];
        if (plan.Phases.Count == 0 && !Probe(MADV_COLD, sizer, result))
        {
            // Nothing to advise, but the kernel still says whether the target can be advised at
            // all: a process that exited (a zombie has no mappings left) answers ESRCH.
            return;
        }

        foreach (var phase in plan.Phases)
        {
            if (!Probe(phase.Advice, sizer, result))
            {
                return;
            }

            var ranges = phase.Ranges.AsSpan();
            var cursor = default(PlanCursor);
            var tally = result.Tally(phase.Advice);
            while (!cursor.AtEnd(ranges))
            {
                if (cancel.IsCancellationRequested)
                {
                    Stop(result, CompactionOutcome.Cancelled, null, result.Calls == 0 ? "cancelled before the first call" : "cancelled between two calls");
                    return;
                }

                if (_clock.WallNanoseconds() >= deadline)
                {
                    Stop(result, CompactionOutcome.DeadlineReached, null, result.Calls == 0 ? "the deadline passed before the first call" : "the deadline passed; no further call was started");
                    return;
                }

                var n = sizer.Fill(phase, cursor, vector, out var shape);
                double? predicted = sizer is BudgetSizer budget ? budget.Model(phase.Advice).Predict(shape) : null;
                var w0 = _clock.WallNanoseconds();
                var c0 = _clock.ThreadCpuNanoseconds();
                var r = _target.ProcessMadvise(vector.AsSpan(0, n), phase.Advice);
                var c1 = _clock.ThreadCpuNanoseconds();
                var w1 = _clock.WallNanoseconds();
                var wall = Math.Max(0, w1 - w0);
                var cpu = Math.Max(0, c1 - c0);

                result.Calls++;
                result.Ranges += n;
                result.CallWall.RecordValue(Math.Min(wall, CompactionResult.HighestTrackableNanoseconds));
                result.CallCpu.RecordValue(Math.Min(cpu, CompactionResult.HighestTrackableNanoseconds));
                result.CallsCpuNanoseconds += cpu;
                result.LastCallNanoseconds = wall;
                result.CheapestCallNanoseconds = Math.Min(result.CheapestCallNanoseconds ?? long.MaxValue, wall);
                result.CallsOverBudget += wall > budgetNs ? 1 : 0;
                tally.Calls++;
                tally.Ranges += n;
                tally.CpuNanoseconds += cpu;
                tally.WallNanoseconds += wall;
                tally.MaxWallNanoseconds = Math.Max(tally.MaxWallNanoseconds, wall);
                if (r > 0)
                {
                    result.BytesAdvised += (ulong)r;
                    tally.BytesAdvised += (ulong)r;
                }

                sizer.Observe(new CallObservation(phase.Advice, shape, cpu, wall, r));
                CallCompleted?.Invoke(new CallRecord(result.Calls - 1, phase.Advice, n, shape.Bytes, r, wall, cpu, predicted));
                if (!Consume(r, vector.AsSpan(0, n), shape.Bytes, phase, ref cursor, result))
                {
                    return;
                }
            }
        }

        result.Outcome = CompactionOutcome.Completed;
    }

    /// <summary>
    /// Advances past what a call did, by Android's rules; false when the compaction must stop.
    /// </summary>
    private bool Consume(long r, ReadOnlySpan<IoVec> vector, ulong total, CompactionPhase phase, ref PlanCursor cursor, CompactionResult result)
    {
        var ranges = phase.Ranges.AsSpan();
        if (r >= 0 && (ulong)r == total)
        {
            cursor.Consume(ranges, total);
            return true;
        }

        if (r > 0)
        {
            // The ranges before the failing one completed; Android steps one page into the
            // failing range and sends the rest again.
            var skip = Math.Min((ulong)r + PageSize.PAGE_SIZE, total);
            var error = result.Error(0, phase.Advice, "skipped one page", AddressAt(vector, (ulong)r));
            error.Count++;
            error.BytesSkipped += skip - (ulong)r;
            result.BytesSkipped += skip - (ulong)r;
            cursor.Consume(ranges, skip);
            return true;
        }

        var errno = r < 0 ? (int)-r : 0;
        if (errno is 0 or Errno.EINVAL or Errno.ENOMEM)
        {
            var rest = ranges[cursor.Index].Length - cursor.Offset;
            var error = result.Error(errno, phase.Advice, "skipped mapping", vector[0].Base);
            error.Count++;
            error.BytesSkipped += rest;
            result.BytesSkipped += rest;
            cursor.Consume(ranges, rest);
            return true;
        }

        var stop = result.Error(errno, phase.Advice, "stopped", vector[0].Base);
        stop.Count++;
        Stop(result, errno == Errno.ESRCH ? CompactionOutcome.TargetExited : CompactionOutcome.Failed, errno, FailureExplanation.ForProcessMadvise(errno, phase.Advice, _target.Description));
        return false;
    }

    /// <summary>Checks access with empty vectors and measures the fixed cost of a call; false (result stopped) on an error.</summary>
    private bool Probe(MemoryAdvice advice, IVectorSizer sizer, CompactionResult result)
    {
        var cheapest = long.MaxValue;
        for (var i = 0; i < Probes; i++)
        {
            var c0 = _clock.ThreadCpuNanoseconds();
            var r = _target.ProcessMadvise([], advice);
            var c1 = _clock.ThreadCpuNanoseconds();
            if (r < 0)
            {
                var errno = (int)-r;
                Stop(result, errno == Errno.ESRCH ? CompactionOutcome.TargetExited : CompactionOutcome.Failed, errno, FailureExplanation.ForProcessMadvise(errno, advice, _target.Description));
                return false;
            }

            cheapest = Math.Min(cheapest, c1 - c0);
        }

        if (sizer is BudgetSizer budget)
        {
            budget.Model(advice).SetPerCall(cheapest);
        }

        return true;
    }

    /// <summary>The calls a plan takes with <paramref name="sizer"/> if every call completes and nothing is learned.</summary>
    private static int CountCalls(CompactionPlan plan, IVectorSizer sizer)
    {
        var vector = new IoVec[IoVec.UIO_MAXIOV];
        var calls = 0;
        foreach (var phase in plan.Phases)
        {
            var cursor = default(PlanCursor);
            while (!cursor.AtEnd(phase.Ranges))
            {
                sizer.Fill(phase, cursor, vector, out var shape);
                cursor.Consume(phase.Ranges, shape.Bytes);
                calls++;
            }
        }

        return calls;
    }

    /// <summary>The address <paramref name="offset"/> bytes into the vector.</summary>
    private static ulong AddressAt(ReadOnlySpan<IoVec> vector, ulong offset)
    {
        foreach (var v in vector)
        {
            if (offset < v.Len)
            {
                return v.Base + offset;
            }

            offset -= v.Len;
        }

        return 0;
    }

    private static void Stop(CompactionResult result, CompactionOutcome outcome, int? errno, string message)
    {
        result.Outcome = outcome;
        result.StopErrno = errno;
        result.Message = message;
    }

    /// <summary>What the numbers alone do not say.</summary>
    private static void AddNotes(CompactionResult result)
    {
        if (result.Plan is not { } plan)
        {
            return;
        }

        if (plan.Phases.Count == 0 && result.Outcome is CompactionOutcome.Completed or CompactionOutcome.DryRun)
        {
            result.Notes.Add($"nothing to advise: none of the target's {plan.MappingsRead} mappings is one the {result.Options.Mode.ToString().ToLowerInvariant()} mode compacts.");
        }

        if (plan.PagesOutAnonymous && result.SwapBefore is { TotalKiB: 0 })
        {
            var file = result.FileFreedKiB is { } kib ? $"; the file pages gave {kib} KiB" : string.Empty;
            result.Notes.Add("no swap: anonymous pages cannot be paged out without swap (MADV_PAGEOUT tries and puts them back), " +
                "so anonymous RSS stays" + file + ". tools/zram-swap.sh sets up zram swap for a measurement" +
                (result.Options.FilePageout ? "." : "; --file-pageout pages out clean private file pages instead of COLDing them, which needs no swap."));
        }

        if (plan.Phase(MADV_COLD) is not null)
        {
            result.Notes.Add("MADV_COLD frees nothing by itself: it moves the pages to the inactive LRU list so that reclaim takes them " +
                "first under memory pressure; RSS drops only when that happens.");
        }

        var budgetNs = (long)(result.Options.Budget.TotalMilliseconds * 1e6);
        if (result.Options.Strategy == SizingStrategy.Budget && result.CheapestCallNanoseconds is { } cheapest && cheapest > budgetNs)
        {
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture, $"no call stayed within the budget of {budgetNs:#,0} ns: the cheapest took {cheapest:#,0} ns. ") + "A call costs more " +
                "than the budget here whatever it carries, so each one carried the least the engine sends (one range, one page when " +
                "the model says nothing fits).");
        }

        foreach (var tally in result.PerAdvice)
        {
            if (tally.Calls > 0 && tally.BytesAdvised == 0 && result.Errors.Any(e => e.Advice == tally.Advice && e.Errno == Errno.EINVAL && e.Count == tally.Calls))
            {
                result.Notes.Add($"every {tally.Advice} call failed with EINVAL: " + FailureExplanation.ForProcessMadvise(Errno.EINVAL, tally.Advice, result.Target));
            }
        }
    }
}
