using Madvise.Abi;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Tasks;

/// <summary>
/// A task's credentials (Linux: <c>struct cred</c>), simplified to one uid and one gid (real,
/// effective, saved and fs ids are equal in every state the model reaches) and one capability
/// set (effective = permitted).
/// </summary>
/// <param name="Uid">The user id.</param>
/// <param name="Gid">The group id.</param>
/// <param name="Capabilities">Bit n set = capability n held.</param>
public sealed record Credentials(uint Uid, uint Gid, ulong Capabilities)
{
    /// <summary>Every capability up to CAP_CHECKPOINT_RESTORE.</summary>
    public const ulong AllCapabilities = (1UL << ((int)Capability.CAP_CHECKPOINT_RESTORE + 1)) - 1;

    /// <summary>root with every capability.</summary>
    public static Credentials Root { get; } = new(0, 0, AllCapabilities);

    /// <summary>True when <paramref name="cap"/> is held (capable()).</summary>
    public bool Has(Capability cap) => (Capabilities & (1UL << (int)cap)) != 0;

    /// <summary>A copy without <paramref name="cap"/>.</summary>
    public Credentials Without(Capability cap) => this with { Capabilities = Capabilities & ~(1UL << (int)cap) };
}
