namespace Madvise.Host.Tests.Batcher;

/// <summary>One scripted process_madvise answer.</summary>
/// <param name="Errno">Non-zero: answer this errno and advise nothing.</param>
/// <param name="Complete">With no errno: really advise only this many leading ranges and report their bytes.</param>
internal readonly record struct Scripted(int Errno, int Complete = int.MaxValue)
{
    /// <summary>Answers <paramref name="errno"/> without advising anything.</summary>
    public static Scripted Fail(int errno) => new(errno);

    /// <summary>Advises the first <paramref name="ranges"/> ranges and stops, as when the next one fails.</summary>
    public static Scripted Partial(int ranges) => new(0, ranges);
}
