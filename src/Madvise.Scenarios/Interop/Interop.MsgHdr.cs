using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>SOL_SOCKET: control-message level of SCM_RIGHTS.</summary>
    internal const int SOL_SOCKET = 1;

    /// <summary>SCM_RIGHTS: the control message carries file descriptors.</summary>
    internal const int SCM_RIGHTS = 1;

    /// <summary>MSG_NOSIGNAL: a send to a closed peer fails with EPIPE instead of raising SIGPIPE.</summary>
    internal const int MSG_NOSIGNAL = 0x4000;

    /// <summary>MSG_CMSG_CLOEXEC: descriptors received through SCM_RIGHTS are close-on-exec.</summary>
    internal const int MSG_CMSG_CLOEXEC = 0x40000000;

    /// <summary>MSG_CTRUNC in msg_flags: the control buffer was too small and descriptors were lost.</summary>
    internal const int MSG_CTRUNC = 0x8;

    /// <summary>struct msghdr (LP64 layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct MsgHdr
    {
        /// <summary>msg_name: peer address (unused for a connected socket).</summary>
        public void* Name;

        /// <summary>msg_namelen.</summary>
        public uint NameLength;

        /// <summary>msg_iov: data buffers.</summary>
        public IoVec* Iov;

        /// <summary>msg_iovlen.</summary>
        public nuint IovLength;

        /// <summary>msg_control: ancillary data (cmsghdr sequence).</summary>
        public void* Control;

        /// <summary>msg_controllen in bytes.</summary>
        public nuint ControlLength;

        /// <summary>msg_flags: set by recvmsg (MSG_CTRUNC ...).</summary>
        public int Flags;
    }

    /// <summary>struct cmsghdr (LP64 layout); the payload follows at <see cref="Size"/>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CmsgHdr
    {
        /// <summary>sizeof(struct cmsghdr), already a multiple of the 8-byte CMSG alignment.</summary>
        public const int Size = 16;

        /// <summary>cmsg_len: header plus payload bytes.</summary>
        public nuint Length;

        /// <summary>cmsg_level.</summary>
        public int Level;

        /// <summary>cmsg_type.</summary>
        public int Type;

        /// <summary>CMSG_SPACE: bytes a control message with <paramref name="payload"/> bytes occupies.</summary>
        public static int Space(int payload) => Size + ((payload + 7) & ~7);

        /// <summary>CMSG_LEN: the cmsg_len value for <paramref name="payload"/> bytes.</summary>
        public static int Len(int payload) => Size + payload;
    }
}
