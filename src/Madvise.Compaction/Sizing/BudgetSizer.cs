using Madvise.Compaction.Planning;

namespace Madvise.Compaction.Sizing;

/// <summary>
/// Sizes each call so that its predicted CPU time stays within a target (a share of the budget),
/// from a <see cref="CallCostModel"/> per advice that learns from every complete call.
/// </summary>
/// <remarks>
/// <para>A vector takes ranges in order while the prediction (mean coefficients) fits; the range
/// that does not fit is cut at a page boundary so the vector fills the target (a single VMA larger
/// than the budget is spread over as many calls as it needs). Every vector holds at least one
/// page, so the compaction always progresses.</para>
/// <para>Two bounds keep a call whose memory turns out denser than predicted within the budget:
/// the call predicted with <see cref="CallCostModel.DensePerByteNs"/> for all its accessible
/// bytes — as if they were as dense as the densest memory measured — must fit the whole budget
/// (the target is a share of it); and its accessible bytes are at most twice the most any
/// earlier call of the advice covered (slow start: the first call is sized by the prior alone),
/// so a model that has seen only cheap, empty memory grows its calls step by step. What no model
/// without residency information can avoid: after a long stretch of empty memory, the first call
/// into memory denser than any measured before can overrun; the model then knows it.</para>
/// </remarks>
public sealed class BudgetSizer : IVectorSizer
{
    /// <summary>The CPU time each call is sized for, in nanoseconds.</summary>
    private readonly double _targetNs;

    /// <summary>The CPU time no call may be predicted to exceed even if its memory is dense, in nanoseconds.</summary>
    private readonly double _budgetNs;

    /// <summary>Kernel limits on a vector.</summary>
    private readonly int _maxRanges;

    /// <summary>Kernel limit on a vector's bytes (MAX_RW_COUNT, or less).</summary>
    private readonly ulong _maxBytes;

    /// <summary>The prior new models start from.</summary>
    private readonly CostPrior _prior;

    /// <summary>One model per advice.</summary>
    private readonly Dictionary<MemoryAdvice, AdviceState> _states = [];

    /// <summary>Creates the sizer for calls of <paramref name="targetFraction"/> × <paramref name="budgetNs"/> nanoseconds.</summary>
    public BudgetSizer(double budgetNs, double targetFraction, CostPrior prior, int maxRanges = IoVec.UIO_MAXIOV, ulong maxBytes = IoVec.MAX_RW_COUNT)
    {
        ArgumentNullException.ThrowIfNull(prior);
        _budgetNs = budgetNs;
        _targetNs = budgetNs * targetFraction;
        _prior = prior;
        _maxRanges = Math.Clamp(maxRanges, 1, IoVec.UIO_MAXIOV);
        _maxBytes = Math.Clamp(maxBytes, PageSize.PAGE_SIZE, IoVec.MAX_RW_COUNT) & PageSize.PAGE_MASK;
    }

    /// <summary>The model of <paramref name="advice"/> (created from the prior on first use).</summary>
    public CallCostModel Model(MemoryAdvice advice) => State(advice).Model;

    /// <inheritdoc/>
    public int Fill(CompactionPhase phase, PlanCursor cursor, Span<IoVec> vector, out VectorShape shape)
    {
        ArgumentNullException.ThrowIfNull(phase);
        var ranges = phase.Ranges.AsSpan();
        var state = State(phase.Advice);
        var model = state.Model;
        shape = default;
        var slowStart = state.MostAccessibleBytes == 0 ? ulong.MaxValue : 2 * state.MostAccessibleBytes;
        var count = 0;
        var at = cursor;
        while (count < _maxRanges && !at.AtEnd(ranges))
        {
            var r = at.Current(ranges);
            var fit = r.Reserved
                ? Fit(_targetNs - model.Predict(shape) - model.PerRangeNs, model.PerReservedByteNs)
                : Math.Min(
                    Fit(_targetNs - model.Predict(shape) - model.PerRangeNs, model.PerByteNs),
                    Math.Min(
                        Fit(_budgetNs - model.PredictDense(shape) - model.PerRangeNs, model.DensePerByteNs),
                        slowStart > shape.AccessibleBytes ? slowStart - shape.AccessibleBytes : 0));
            fit = Math.Min(fit, _maxBytes - shape.Bytes);
            var take = Math.Min(r.Length, fit & PageSize.PAGE_MASK);
            if (take == 0)
            {
                if (count > 0)
                {
                    break;
                }

                // Progress before precision: one page even when the model says it does not fit.
                take = PageSize.PAGE_SIZE;
            }

            vector[count++] = new IoVec(r.Start, take);
            shape = shape.Add(take, r.Reserved);
            at.Consume(ranges, take);
            if (take < r.Length)
            {
                break;
            }
        }

        return count;
    }

    /// <inheritdoc/>
    public void Observe(in CallObservation observation)
    {
        var state = State(observation.Advice);
        state.MostAccessibleBytes = Math.Max(state.MostAccessibleBytes, observation.Shape.AccessibleBytes);
        if (observation.Complete)
        {
            state.Model.Observe(observation.Shape, observation.CpuNanoseconds);
        }
    }

    /// <summary>Bytes at <paramref name="perByte"/> that fit in <paramref name="spareNs"/>.</summary>
    private static ulong Fit(double spareNs, double perByte) =>
        spareNs <= 0 ? 0 : perByte <= 0 || spareNs / perByte >= ulong.MaxValue ? ulong.MaxValue : (ulong)(spareNs / perByte);

    private AdviceState State(MemoryAdvice advice)
    {
        if (!_states.TryGetValue(advice, out var state))
        {
            state = new AdviceState(new CallCostModel(_prior));
            _states.Add(advice, state);
        }

        return state;
    }

    /// <summary>Per-advice state.</summary>
    private sealed class AdviceState(CallCostModel model)
    {
        /// <summary>The cost model.</summary>
        public CallCostModel Model { get; } = model;

        /// <summary>The most accessible bytes any call of this advice covered (slow start).</summary>
        public ulong MostAccessibleBytes { get; set; }
    }
}
