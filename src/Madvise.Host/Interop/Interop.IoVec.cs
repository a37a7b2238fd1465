using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>struct iovec for local buffers passed to the kernel (process_vm_readv/writev, sendmsg, recvmsg).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct IoVec
    {
        /// <summary>iov_base.</summary>
        public void* Base;

        /// <summary>iov_len.</summary>
        public nuint Length;
    }
}
