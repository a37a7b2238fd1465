using HdrHistogram;
using Madvise.Compaction.Engine;
using Madvise.Compaction.Layout;
using Madvise.Compaction.Sim;
using Madvise.Kernel;

namespace Madvise.Measurement.Compaction;

/// <summary>
/// A simulated kernel of one profile holding the generated target, a compactor process, and a
/// writer thread of the target (a second simulated thread of its task doing mmap+munmap of a page
/// of its own).
/// </summary>
public sealed class SimCompactBenchKernel : ICompactBenchKernel
{
    /// <summary>The kernel with both processes.</summary>
    private readonly SimCompactionWorld _world;

    /// <summary>The compaction target.</summary>
    private readonly SimCompactionTarget _target;

    /// <summary>The writer's thread.</summary>
    private readonly WriterThread _thread = new();

    /// <summary>The writer's operation on the target task.</summary>
    private readonly SimMmapWriter _writer;

    /// <summary>The pacing of the writer's calls.</summary>
    private readonly TimeSpan _interval;

    /// <summary>The writer's latencies since <see cref="StartWriter"/>.</summary>
    private readonly LongHistogram _latency = new(ContentionRow.HighestTrackableNanoseconds, 3);

    /// <summary>Boots the kernel and builds <paramref name="layout"/> in its target.</summary>
    public SimCompactBenchKernel(KernelProfile profile, TargetLayout layout, ulong swapBytes, TimeSpan writerInterval)
    {
        _world = SimCompactionWorld.Create(profile, layout, swapBytes);
        _target = _world.CreateTarget();
        _writer = new SimMmapWriter(_world.TargetTask, WriterKind.Mmap);
        _interval = writerInterval;
        Profile = profile.ToString();
    }

    /// <inheritdoc/>
    public string Label => Profile!;

    /// <inheritdoc/>
    public string Kind => "sim";

    /// <inheritdoc/>
    public string? Profile { get; }

    /// <inheritdoc/>
    public int? CompactorCpu => null;

    /// <inheritdoc/>
    public ICompactionTarget Target => _target;

    /// <inheritdoc/>
    public void Touch() => _world.Layout.Touch();

    /// <inheritdoc/>
    public void StartWriter()
    {
        _latency.Reset();
        _thread.Start(_writer, _latency, recordAlways: true, _interval);
    }

    /// <inheritdoc/>
    public LongHistogram StopWriter()
    {
        if (_thread.Stop() is { } failure)
        {
            throw new InvalidOperationException("the simulated writer failed: " + failure);
        }

        return (LongHistogram)_latency.Copy();
    }

    /// <inheritdoc/>
    public long RemoteTlbFlushes() => _world.Kernel.Stats.TlbRemoteFlushes;

    /// <inheritdoc/>
    public void Dispose()
    {
        _thread.Dispose();
        _target.Dispose();
        _world.Dispose();
    }
}
