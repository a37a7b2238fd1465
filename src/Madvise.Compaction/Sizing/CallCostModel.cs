namespace Madvise.Compaction.Sizing;

/// <summary>
/// What a call of one advice costs, learned from the calls made: a fixed part per call, a part
/// per range, a part per byte of accessible mappings and a (much smaller) part per byte of
/// PROT_NONE reservations. Times are CPU time of the calling thread — the kernel's work for the
/// call, which preemption and lock waits do not inflate.
/// </summary>
/// <remarks>
/// <para>Learning: after a complete call, the coefficients that made up the prediction share its
/// error in proportion to their part of it (a multiplicative update in log space): a call that
/// took 2× the prediction, three quarters of which was its bytes, multiplies the per-byte cost by
/// 2^0.75. Surprises upward are taken whole at once; downward ones half at a time and at most
/// 16× per call, so one cheap call does not undo what dense ones taught.</para>
/// <para>Besides the mean, the model keeps <see cref="DensePerByteNs"/>, an upper envelope of the
/// per-byte cost of accessible memory, which sizing bounds every call by: empty memory is cheap
/// and resident memory is not (PAGEOUT swaps each page out), and a call that runs from empty
/// memory into memory as dense as the densest measured must still fit the budget. It starts at the
/// prior; each call that covered at least <see cref="SignificantBytes"/> of accessible memory
/// raises it to that call's per-byte cost — at most doubling it, so that a one-off (the first
/// call's cold caches, a JIT compilation in the simulator) does not shrink every later call —
/// and otherwise it decays by <see cref="EnvelopeDecay"/> per such call, so it follows the
/// memory's actual density within some tens of calls.</para>
/// </remarks>
public sealed class CallCostModel
{
    /// <summary>Accessible bytes a call must cover for its per-byte cost to count toward the dense estimate.</summary>
    public const ulong SignificantBytes = 64 << 10;

    /// <summary>Decay of the dense envelope per significant call.</summary>
    public const double EnvelopeDecay = 0.97;

    /// <summary>Largest factor one call lowers a coefficient by.</summary>
    private const double MaxStepDown = 16;

    /// <summary>Creates a model that starts from <paramref name="prior"/>.</summary>
    public CallCostModel(CostPrior prior)
    {
        ArgumentNullException.ThrowIfNull(prior);
        PerCallNs = prior.PerCallNs;
        PerRangeNs = prior.PerRangeNs;
        PerByteNs = prior.PerByteNs;
        PerReservedByteNs = prior.PerReservedByteNs;
        DensePerByteNs = prior.PerByteNs;
    }

    /// <summary>Fixed cost of a call.</summary>
    public double PerCallNs { get; private set; }

    /// <summary>Cost per range.</summary>
    public double PerRangeNs { get; private set; }

    /// <summary>Mean cost per accessible byte.</summary>
    public double PerByteNs { get; private set; }

    /// <summary>Cost per PROT_NONE byte.</summary>
    public double PerReservedByteNs { get; private set; }

    /// <summary>The upper envelope of the per-byte cost of accessible memory (see remarks).</summary>
    public double DensePerByteNs { get; private set; }

    /// <summary>Complete calls learned from.</summary>
    public int Observations { get; private set; }

    /// <summary>Sets the fixed cost per call from a measurement (an empty-vector probe).</summary>
    public void SetPerCall(double nanoseconds) => PerCallNs = Math.Max(0, nanoseconds);

    /// <summary>The predicted CPU time of a call with <paramref name="shape"/> if its accessible memory is as dense as the densest measured.</summary>
    public double PredictDense(VectorShape shape) =>
        PerCallNs + (PerRangeNs * shape.Ranges) + (DensePerByteNs * shape.AccessibleBytes) + (PerReservedByteNs * shape.ReservedBytes);

    /// <summary>The predicted CPU time of a call with <paramref name="shape"/> (mean coefficients).</summary>
    public double Predict(VectorShape shape) =>
        PerCallNs + (PerRangeNs * shape.Ranges) + (PerByteNs * shape.AccessibleBytes) + (PerReservedByteNs * shape.ReservedBytes);

    /// <summary>Learns from a complete call that took <paramref name="cpuNanoseconds"/>.</summary>
    public void Observe(VectorShape shape, long cpuNanoseconds)
    {
        Observations++;
        var work = Math.Max(0, cpuNanoseconds - PerCallNs);
        var rangePart = PerRangeNs * shape.Ranges;
        var bytePart = PerByteNs * shape.AccessibleBytes;
        var reservedPart = PerReservedByteNs * shape.ReservedBytes;
        var predicted = rangePart + bytePart + reservedPart;
        if (predicted > 0)
        {
            var q = Math.Max(work / predicted, 1 / MaxStepDown);
            var rate = q >= 1 ? 1.0 : 0.5;
            PerRangeNs *= Math.Pow(q, rate * rangePart / predicted);
            PerByteNs *= Math.Pow(q, rate * bytePart / predicted);
            PerReservedByteNs *= Math.Pow(q, rate * reservedPart / predicted);
        }

        if (shape.AccessibleBytes >= SignificantBytes)
        {
            // What the accessible bytes cost once the rest of the call is accounted for.
            var perByte = Math.Max(0, work - (PerRangeNs * shape.Ranges) - (PerReservedByteNs * shape.ReservedBytes)) / shape.AccessibleBytes;
            DensePerByteNs = Math.Max(DensePerByteNs * EnvelopeDecay, Math.Min(perByte, 2 * DensePerByteNs));
        }
    }
}
