using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>_LINUX_CAPABILITY_VERSION_3: 64-bit capability sets as two <see cref="CapUserData"/> words.</summary>
    internal const uint LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    /// <summary>struct __user_cap_header_struct.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CapUserHeader
    {
        /// <summary>Capability ABI version (<see cref="LINUX_CAPABILITY_VERSION_3"/>).</summary>
        public uint Version;

        /// <summary>Thread id; 0 = the calling thread (capabilities are per thread).</summary>
        public int Pid;
    }

    /// <summary>struct __user_cap_data_struct: 32 capabilities of each set; version 3 uses two of these.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CapUserData
    {
        /// <summary>Effective set.</summary>
        public uint Effective;

        /// <summary>Permitted set.</summary>
        public uint Permitted;

        /// <summary>Inheritable set.</summary>
        public uint Inheritable;
    }
}
