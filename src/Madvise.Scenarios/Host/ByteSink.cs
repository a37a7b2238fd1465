namespace Madvise.Scenarios.Host;

/// <summary>Receives the bytes a <c>read</c> step reads, in order.</summary>
internal delegate void ByteSink(ReadOnlySpan<byte> bytes);
