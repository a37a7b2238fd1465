using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>One 65-byte field of struct utsname (_UTSNAME_LENGTH on Linux).</summary>
    [InlineArray(65)]
    internal struct UtsField
    {
        /// <summary>First byte of the NUL-terminated string.</summary>
        private byte _first;
    }

    /// <summary>struct utsname as glibc lays it out on Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Utsname
    {
        /// <summary>Operating system name ("Linux").</summary>
        public UtsField SysName;

        /// <summary>Host name.</summary>
        public UtsField NodeName;

        /// <summary>SimulatedKernel release, e.g. "6.18.2".</summary>
        public UtsField Release;

        /// <summary>Kernel build version string.</summary>
        public UtsField Version;

        /// <summary>Hardware name, e.g. "x86_64".</summary>
        public UtsField Machine;

        /// <summary>NIS domain name.</summary>
        public UtsField DomainName;
    }

    internal static partial class Libc
    {
        /// <summary>uname(2).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "uname", SetLastError = true)]
        internal static unsafe partial int Uname(Utsname* buffer);
    }
}
