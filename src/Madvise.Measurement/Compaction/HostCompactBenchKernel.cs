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
    /// <param name="placement">Where the compactor and the child run.</param>
    /// <exception cref="InvalidOperationException">The child failed, or <paramref name="placement"/> needs more CPUs than this process may use.</exception>
    public HostCompactBenchKernel(IReadOnlyList<string> madv, ulong mem, int vmas, int seed, TimeSpan writerInterval, HostPlacement placement = HostPlacement.Free)
    {
        int? targetCpu = null;
        if (placement != HostPlacement.Free)
        {
            var cpus = Workloads.ThreadAffinity.AllowedCpus();
            if (cpus.Count < (placement == HostPlacement.Apart ? 2 : 1))
            {
                throw new InvalidOperationException($"host {Describe(placement)}: this process may run on {cpus.Count} CPU(s)");
            }

            CompactorCpu = cpus[0];
            targetCpu = placement == HostPlacement.Apart ? cpus[1] : cpus[0];
        }

        Placement = placement;
        Label = placement switch
        {
            HostPlacement.Same => "host, one CPU",
            HostPlacement.Apart => "host, two CPUs",
            _ => "host",
        };
        _process = HostTargetProcess.Start(madv, mem, vmas, seed, writerInterval, targetCpu);
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
    public string Label { get; }

    /// <summary>Where the compactor and the target run.</summary>
    public HostPlacement Placement { get; }

    /// <inheritdoc/>
    public int? CompactorCpu { get; }

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

    /// <summary><c>free</c>, <c>same</c>, <c>apart</c>: the placement's name on the command line and in the JSON.</summary>
    public static string Describe(HostPlacement placement) => placement.ToString().ToLowerInvariant();
}
