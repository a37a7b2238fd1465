using System.Runtime.CompilerServices;

internal static partial class Interop
{
    /// <summary>cpu_set_t: a 1024-bit CPU mask (glibc's CPU_SETSIZE).</summary>
    [InlineArray(16)]
    internal struct CpuSet
    {
        /// <summary>First of 16 64-bit words; bit N of the mask is CPU N.</summary>
        private ulong _word;

        /// <summary>Bits in the mask.</summary>
        internal const int Capacity = 1024;
    }
}
