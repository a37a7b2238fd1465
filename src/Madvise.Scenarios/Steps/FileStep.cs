namespace Madvise.Scenarios.Steps;

/// <summary><c>file NAME LEN BYTE [memfd]</c>: a backing file of LEN bytes, every byte BYTE, bound to NAME.</summary>
/// <param name="Name">The file name (its own name space).</param>
/// <param name="Length">The file size in bytes.</param>
/// <param name="Fill">The value of every byte.</param>
/// <param name="Memfd">True for a memfd (shmem) file instead of a regular file.</param>
public sealed record FileStep(string Name, ulong Length, byte Fill, bool Memfd) : Step
{
    /// <inheritdoc/>
    public override string Keyword => "file";
}
