namespace Madvise.Cli.Compact;

/// <summary>A generated target: bytes touched, mappings, seed, and the simulated kernel's swap.</summary>
/// <param name="Mem">Bytes the layout touches.</param>
/// <param name="Vmas">Mappings.</param>
/// <param name="Seed">Layout seed.</param>
/// <param name="SwapBytes">Swap of the simulated kernel (0 = none).</param>
internal sealed record LayoutSettings(ulong Mem, int Vmas, int Seed, ulong SwapBytes);
