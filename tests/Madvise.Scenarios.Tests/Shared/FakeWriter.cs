
namespace Madvise.Scenarios.Tests.Shared;

/// <summary>A contention writer that counts its steps and can be told to fail.</summary>
internal sealed class FakeWriter : IMmapWriter
{
    private long _steps;

    /// <summary>Steps run so far (read from any thread).</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>The result every step returns (0, or a negative errno).</summary>
    public long Result { get; init; }

    /// <inheritdoc/>
    public long Step()
    {
        Interlocked.Increment(ref _steps);
        return Result;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
