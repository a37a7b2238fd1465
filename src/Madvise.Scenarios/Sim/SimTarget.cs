using Madvise.Kernel;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Scenarios.Sim;

/// <summary>
/// The <c>sim</c> scenario target: every step runs on a <see cref="SimulatedKernel.SimulatedKernel"/> created for
/// the file, with the profile given at construction and the <c>config</c> step's settings.
/// </summary>
/// <remarks>
/// Decisions where the spec leaves room (the runner's rules are in ScenarioRunner.cs):
/// <list type="number">
/// <item>Each task is a simulated process; <c>task NAME</c> creates one with an empty address
/// space and root credentials, <c>fork</c> is a real simulated fork.</item>
/// <item><c>read</c>/<c>write</c> go through the kernel side of the address space, as the host
/// target's process_vm_readv/writev do: a page must be readable (VM_READ) to be read.</item>
/// <item>iovec arrays are written into a scratch mapping of the calling task, mapped on first
/// use at <see cref="SimTask.ScratchAddress"/> (far below the top-down mmap area) and left out
/// of <c>vmas</c> listings.</item>
/// </list>
/// </remarks>
public sealed class SimTarget : IScenarioTarget
{
    /// <summary>The configuration every kernel of this target starts from; a <c>config</c> step changes it.</summary>
    private readonly KernelConfig _baseConfig;

    private Kernel.SimulatedKernel _kernel;

    private readonly SimTask _self;

    /// <summary>
    /// Creates a target whose kernel runs <paramref name="profile"/> (default: current kernels)
    /// with <paramref name="baseConfig"/> (default: <see cref="KernelConfig.Default"/>), e.g. less
    /// RAM for a fuzzer; a <c>config</c> step changes what it names.
    /// </summary>
    public SimTarget(KernelProfile profile = KernelProfile.PerVmaLock, KernelConfig? baseConfig = null)
    {
        _baseConfig = (baseConfig ?? KernelConfig.Default) with { Profile = profile };
        _kernel = new Kernel.SimulatedKernel(_baseConfig);
        _self = new SimTask("self", _kernel.CreateProcess());
    }

    /// <inheritdoc/>
    public string Name => "sim";

    /// <summary>The simulated kernel (for tests and tools).</summary>
    public Kernel.SimulatedKernel Kernel => _kernel;

    /// <inheritdoc/>
    public ITargetTask Self => _self;

    /// <inheritdoc/>
    public string? Configure(ScenarioConfig config)
    {
        // config comes before every other step: rebuild the kernel with it and move self there.
        var c = _baseConfig;
        if (config.Swap is { } swap)
        {
            c = c with { SwapBytes = swap };
        }

        if (config.MemoryFailure is { } mf)
        {
            c = c with { MemoryFailure = mf };
        }

        if (config.Ksm is { } ksm)
        {
            c = c with { Ksm = ksm };
        }

        if (config.Thp is { } thp)
        {
            c = c with
            {
                Thp = thp switch
                {
                    ThpMode.Always => TransparentHugepageMode.Always,
                    ThpMode.Never => TransparentHugepageMode.Never,
                    _ => TransparentHugepageMode.Madvise,
                },
            };
        }

        _kernel.Dispose();
        _kernel = new Kernel.SimulatedKernel(c);
        _self.Rebind(_kernel.CreateProcess());
        return null;
    }

    /// <inheritdoc/>
    public ITargetTask? CreateTask(string name, out string? failure)
    {
        failure = null;
        return new SimTask(name, _kernel.CreateProcess());
    }

    /// <inheritdoc/>
    public ITargetTask? Fork(ITargetTask parent, string name, out string? failure)
    {
        var p = (SimTask)parent;
        var child = p.Task.Fork(out var error);
        if (child is null)
        {
            failure = ScenarioResults.Errno(error);
            return null;
        }

        failure = null;
        var task = new SimTask(name, child);
        task.InheritFrom(p);
        return task;
    }

    /// <inheritdoc/>
    public void Dispose() => _kernel.Dispose();
}
