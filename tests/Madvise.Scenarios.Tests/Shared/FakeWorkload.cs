
namespace Madvise.Scenarios.Tests.Shared;

/// <summary>
/// A workload whose passes take a time the test chooses and which logs every call, for testing the
/// runners and reports without measuring anything.
/// </summary>
internal sealed class FakeWorkload : IAdviceWorkload
{
    /// <summary>Every call in order: "populate", "pass B" or "pass B cap C".</summary>
    public List<string> Calls { get; } = [];

    /// <summary>The pass time for a batch size (default 1 ms).</summary>
    public Func<int, long> Nanoseconds { get; init; } = _ => 1_000_000;

    /// <summary>The error of a pass at a batch size, or null.</summary>
    public Func<int, string?> PassError { get; init; } = _ => null;

    /// <summary>Called after every pass (e.g. to cancel a run from inside).</summary>
    public Action? AfterPass { get; init; }

    /// <inheritdoc/>
    public string Target { get; init; } = "sim";

    /// <inheritdoc/>
    public string? Profile { get; init; } = "PerRangeLock";

    /// <inheritdoc/>
    public string Label => (Profile ?? Target) + (Threads > 1 ? $" t{Threads}" : string.Empty);

    /// <inheritdoc/>
    public int Threads { get; init; } = 1;

    /// <inheritdoc/>
    public WorkloadSpec Spec { get; init; } = new(256UL << 10, 4096, Madvise.Abi.MemoryAdvice.MADV_DONTNEED);

    /// <summary>True once disposed.</summary>
    public bool Disposed { get; private set; }

    /// <inheritdoc/>
    public string? Populate()
    {
        Calls.Add("populate");
        return null;
    }

    /// <inheritdoc/>
    public PassResult RunPass(int batch, int maxRangesPerCall)
    {
        Calls.Add(maxRangesPerCall > 0 ? $"pass {batch} cap {maxRangesPerCall}" : $"pass {batch}");
        AfterPass?.Invoke();
        return PassError(batch) is { } error
            ? PassResult.Failed(error)
            : new PassResult(Nanoseconds(batch), Target == "sim" ? 10 : -1, Target == "sim" ? 20 : -1, null);
    }

    /// <inheritdoc/>
    public IMmapWriter CreateWriter(WriterKind kind) => new FakeWriter();

    /// <inheritdoc/>
    public void Dispose() => Disposed = true;
}
