using Madvise.Compaction.Layout;
using Madvise.Kernel;
using Madvise.Kernel.Tasks;

namespace Madvise.Compaction.Sim;

/// <summary>
/// A simulated kernel holding a target process built from a <see cref="TargetLayout"/> and a
/// compactor process with every capability (root), ready to be compacted.
/// </summary>
public sealed class SimCompactionWorld : IDisposable
{
    private SimCompactionWorld(SimulatedKernel kernel, TaskStruct target, TaskStruct compactor, SimLayout layout)
    {
        Kernel = kernel;
        TargetTask = target;
        Compactor = compactor;
        Layout = layout;
    }

    /// <summary>The kernel (owned: disposed with the world).</summary>
    public SimulatedKernel Kernel { get; }

    /// <summary>The process to compact.</summary>
    public TaskStruct TargetTask { get; }

    /// <summary>The compacting process.</summary>
    public TaskStruct Compactor { get; }

    /// <summary>The target's layout as built.</summary>
    public SimLayout Layout { get; }

    /// <summary>
    /// Boots a kernel of <paramref name="profile"/> with <paramref name="swapBytes"/> of swap and
    /// room for the layout, and builds <paramref name="layout"/> in a new process.
    /// </summary>
    public static SimCompactionWorld Create(KernelProfile profile, TargetLayout layout, ulong swapBytes, Credentials? compactorCredentials = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var config = new KernelConfig
        {
            Profile = profile,
            MemoryBytes = (2 * layout.TouchedBytes) + layout.FileBytes + (64UL << 20),
            SwapBytes = swapBytes,
        };
        var kernel = new SimulatedKernel(config);
        try
        {
            var target = kernel.CreateProcess();
            var built = SimLayout.Build(target, layout);
            var compactor = kernel.CreateProcess(compactorCredentials);
            return new SimCompactionWorld(kernel, target, compactor, built);
        }
        catch
        {
            kernel.Dispose();
            throw;
        }
    }

    /// <summary>A compaction target for this world's compactor and target.</summary>
    public SimCompactionTarget CreateTarget() => new(TargetTask, Compactor);

    /// <summary>Releases the kernel.</summary>
    public void Dispose() => Kernel.Dispose();
}
