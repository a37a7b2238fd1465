using Madvise.Host;
using Madvise.Abi;
using Madvise.Scenarios.Host;

namespace Madvise.Host.Tests.Shared;

/// <summary>Why a host test cannot run here, or null; evaluated once at discovery.</summary>
internal static class HostRequirements
{
    /// <summary>process_madvise(2) is missing (ENOSYS) or forbidden (EPERM, seccomp).</summary>
    public static readonly string? ProcessMadvise = Check();

    /// <summary>Not root: setuid, dropcap and mlock cases need privileges.</summary>
    public static readonly string? Root = Environment.UserName == "root" ? null : "needs root (setuid, capabilities, mlock)";

    /// <summary>No <c>madv</c> next to the test assembly to start as an agent.</summary>
    public static readonly string? Agent = AgentLauncher.Locate() is null ? "no madv agent next to the tests" : ProcessMadvise;

    /// <summary>The fork server library was not built (no C compiler) or cannot load here; agents are needed too.</summary>
    public static readonly string? Fork = NativeFork.Unavailable ?? Agent;

    /// <summary>The Python reference runner is not on this machine.</summary>
    public static readonly string? ReferenceRunner = File.Exists(ReferenceRunnerScript.Path) && ReferenceRunnerScript.Python is not null
        ? null
        : $"reference runner {ReferenceRunnerScript.Path} or python3 not available";

    private static string? Check()
    {
        var errno = HostKernel.ProbeProcessMadviseAvailable();
        return errno == 0 ? null : $"process_madvise unavailable on this host ({Errno.Name(errno)})";
    }
}

/// <summary>A test of the process_madvise bindings; skipped (with the errno) where the call is missing or forbidden.</summary>
public sealed class ProcessMadviseFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when process_madvise is unusable.</summary>
    public ProcessMadviseFactAttribute() => Skip = HostRequirements.ProcessMadvise;
}

/// <summary>A host-target test that starts agents; skipped when no agent can be started.</summary>
public sealed class AgentFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when agents or process_madvise are unavailable.</summary>
    public AgentFactAttribute() => Skip = HostRequirements.Agent;
}

/// <summary>A host-target test that forks (fork server library and agents).</summary>
public sealed class ForkFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when forks or agents are unavailable.</summary>
    public ForkFactAttribute() => Skip = HostRequirements.Fork;
}

/// <summary>A host-target test that needs root and agents.</summary>
public sealed class RootAgentFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when not root or agents are unavailable.</summary>
    public RootAgentFactAttribute() => Skip = HostRequirements.Root ?? HostRequirements.Agent;
}

/// <summary>A theory comparing with the Python reference runner; skipped when it is not installed.</summary>
public sealed class ReferenceRunnerTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when scnhost.py or python3 is missing.</summary>
    public ReferenceRunnerTheoryAttribute() => Skip = HostRequirements.ReferenceRunner ?? HostRequirements.Root ?? HostRequirements.Agent;
}

/// <summary>A host-target theory that needs root and agents.</summary>
public sealed class RootAgentTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when not root or agents are unavailable.</summary>
    public RootAgentTheoryAttribute() => Skip = HostRequirements.Root ?? HostRequirements.Agent;
}

/// <summary>A test of the PIDFD_SELF sentinels; skipped before Linux 6.15, which answers EBADF for them.</summary>
public sealed class PidfdSelfFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the kernel does not resolve the sentinels.</summary>
    public PidfdSelfFactAttribute() =>
        Skip = HostRequirements.ProcessMadvise ?? (HostKernel.PidfdSelfSupported ? null : "PIDFD_SELF needs Linux 6.15");
}
