namespace Madvise.Compaction.Engine;

/// <summary>
/// Calls of one advice that failed in one way, and what the engine did about them (Android's
/// policy: skip the first range after EINVAL with no progress, skip one page past a short count,
/// stop on anything else).
/// </summary>
/// <param name="Errno">The errno; 0 for a short count, whose failing range's errno the kernel does not report.</param>
/// <param name="Advice">The advice.</param>
/// <param name="Action"><c>skipped mapping</c>, <c>skipped one page</c> or <c>stopped</c>.</param>
public sealed record CompactionError(int Errno, MemoryAdvice Advice, string Action)
{
    /// <summary>Calls that failed this way.</summary>
    public int Count { get; internal set; }

    /// <summary>Bytes the engine skipped because of them.</summary>
    public ulong BytesSkipped { get; internal set; }

    /// <summary>Where the first one failed.</summary>
    public ulong FirstAddress { get; internal set; }

    /// <summary><c>EINVAL</c>, or <c>short count</c>.</summary>
    public string Name => Errno == 0 ? "short count" : Abi.Errno.Name(Errno);
}
