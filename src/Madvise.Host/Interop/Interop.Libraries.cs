internal static partial class Interop
{
    /// <summary>Names of the native libraries the host bindings load.</summary>
    internal static class Libraries
    {
        /// <summary>The C library (glibc). The runtime's probing finds libc.so.6 from this name.</summary>
        internal const string Libc = "libc";
    }
}
