using Madvise.Abi;

namespace Madvise.Host;

/// <summary>
/// The two system calls <see cref="AdviceBatcher"/> makes, behind a seam so tests can inject what
/// the kernel answers (partial progress, EINTR, a refused process_madvise) around the real calls.
/// </summary>
/// <remarks>Both return a value or a negative errno, as <see cref="HostSyscalls"/> does.</remarks>
internal interface IAdviceSyscalls
{
    /// <summary>process_madvise(<paramref name="pidfd"/>, <paramref name="vector"/>, <paramref name="advice"/>, 0).</summary>
    long ProcessMadvise(int pidfd, ReadOnlySpan<IoVec> vector, MemoryAdvice advice);

    /// <summary>madvise(<paramref name="address"/>, <paramref name="length"/>, <paramref name="advice"/>).</summary>
    long Madvise(ulong address, ulong length, MemoryAdvice advice);
}
