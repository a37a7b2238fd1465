using System.Globalization;
using Madvise.Kernel;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Syscalls;

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
/// <item>A <c>pmadvise</c> vector goes to the kernel as the copy process_madvise makes of it,
/// not through the task's memory: no mapping of the runner's lies in the scenario's address
/// space (only <c>badptr</c> passes a user pointer, to an unmapped page).</item>
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

        // The new kernel is built before the old one goes: a configuration that cannot be built
        // leaves the target as it was, and no step ever runs on a disposed kernel.
        var kernel = Build(c);
        _kernel.Dispose();
        _kernel = kernel;
        _oopsesTaken = 0;
        _self.Rebind(_kernel.CreateProcess());
        return null;
    }

    /// <summary>
    /// A kernel for <paramref name="config"/>, or <see cref="ScenarioConfigException"/> when it cannot
    /// be represented (<see cref="KernelConfig.Validate"/>) or this machine cannot afford it: the
    /// swap device lives in this process's memory, so it may not exceed the memory the runtime
    /// sees (physical memory or the cgroup limit). RAM is committed only as it is used.
    /// </summary>
    private static Kernel.SimulatedKernel Build(KernelConfig config)
    {
        try
        {
            config.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new ScenarioConfigException($"{Describe(ex.ParamName, ex.ActualValue)}: {ex.Message[..ex.Message.IndexOf(" (Parameter", StringComparison.Ordinal)]}", ex);
        }

        var machine = (ulong)Math.Max(0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        if (machine > 0 && config.SwapBytes > machine)
        {
            throw new ScenarioConfigException(
                $"{Describe(nameof(KernelConfig.SwapBytes), config.SwapBytes)}: the simulated swap device lives in this process's memory, " +
                $"and this machine has {Size(machine)}");
        }

        return new Kernel.SimulatedKernel(config);
    }

    private static string Describe(string? setting, object? value) =>
        (setting == nameof(KernelConfig.SwapBytes) ? "swap" : setting ?? "config") + (value is ulong bytes ? $" of {Size(bytes)}" : string.Empty);

    /// <summary>Bytes, with GiB/TiB where they help: <c>1099511627776 bytes (1024.0 GiB)</c>.</summary>
    private static string Size(ulong bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes ({bytes / (double)(1UL << 30):0.0} GiB)");

    /// <summary>Oopses of the kernel already reported by <see cref="TakeOopses"/>.</summary>
    private int _oopsesTaken;

    /// <inheritdoc/>
    public IReadOnlyList<TargetOops> TakeOopses()
    {
        if (_kernel.OopsCount == _oopsesTaken)
        {
            return [];
        }

        var all = _kernel.Oopses;
        var fresh = all.Skip(_oopsesTaken).Select(o => new TargetOops(o.ToString(), o.Exception.ToString())).ToArray();
        _oopsesTaken = all.Count;
        return fresh;
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
        var error = Sys.Fork(p.Task, out var child);
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
