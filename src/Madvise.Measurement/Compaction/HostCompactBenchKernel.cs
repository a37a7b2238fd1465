using HdrHistogram;
using Madvise.Compaction.Engine;
using Madvise.Compaction.Host;

namespace Madvise.Measurement.Compaction;

/// <summary>The running kernel: a <c>madv compact-target</c> child with the generated layout and its writer thread.</summary>
public sealed class HostCompactBenchKernel : ICompactBenchKernel
{
    /// <summary>The child.</summary>
    private readonly HostTargetProcess _process;

    /// <summary>The compaction target (a pidfd of the child).</summary>
    private readonly HostCompactionTarget _target;

    /// <summary>Starts the child.</summary>
    /// <param name="madv">The command that runs madv.</param>
    /// <param name="mem">Bytes its layout touches.</param>
    /// <param name="vmas">Mappings of its layout.</param>
    /// <param name="seed">Layout seed.</param>
    /// <param name="writerInterval">Pacing of the writer's calls.</param>
    public HostCompactBenchKernel(IReadOnlyList<string> madv, ulong mem, int vmas, int seed, TimeSpan writerInterval)
    {
        _process = HostTargetProcess.Start(madv, mem, vmas, seed, writerInterval);
        try
        {
            _target = new HostCompactionTarget(_process.Pid);
        }
        catch
        {
            _process.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public string Label => "host";

    /// <inheritdoc/>
    public string Kind => "host";

    /// <inheritdoc/>
    public string? Profile => null;

    /// <inheritdoc/>
    public ICompactionTarget Target => _target;

    /// <inheritdoc/>
    public void Touch() => _process.Touch();

    /// <inheritdoc/>
    public void StartWriter() => _process.StartWriter();

    /// <inheritdoc/>
    public LongHistogram StopWriter() => _process.StopWriter();

    /// <inheritdoc/>
    public long RemoteTlbFlushes() => Workloads.HostTlbInterrupts.Read();

    /// <inheritdoc/>
    public void Dispose()
    {
        _target.Dispose();
        _process.Dispose();
    }
}
