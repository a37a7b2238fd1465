using Madvise.Abi;

namespace Madvise.Host;

/// <summary>The <see cref="IAdviceSyscalls"/> of the running kernel: straight to <see cref="HostSyscalls"/>.</summary>
internal sealed class HostAdviceSyscalls : IAdviceSyscalls
{
    /// <summary>The one instance; it has no state.</summary>
    internal static readonly HostAdviceSyscalls Instance = new();

    private HostAdviceSyscalls()
    {
    }

    /// <inheritdoc/>
    public long ProcessMadvise(int pidfd, ReadOnlySpan<IoVec> vector, MemoryAdvice advice) =>
        HostSyscalls.ProcessMadvise(pidfd, vector, advice, 0);

    /// <inheritdoc/>
    public long Madvise(ulong address, ulong length, MemoryAdvice advice) =>
        HostSyscalls.Madvise(address, length, advice);
}
